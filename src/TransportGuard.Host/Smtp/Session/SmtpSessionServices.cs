using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TransportGuard.Telemetry;

namespace TransportGuard.Smtp.Session;

/// <summary>What every session shares: options, policy, the sink, the certificate, the cluster identity, the clock
/// and the logger.</summary>
internal sealed class SmtpSessionServices(
    IOptions<SmtpServerOptions> server,
    IOptions<SmtpLimits> limits,
    RelayPolicy relay,
    IMessageSink sink,
    TlsCertificateProvider tls,
    Cluster.ClusterIdentity cluster,
    TimeProvider time,
    SmtpMetrics metrics,
    ILogger<SmtpSession> logger,
    IEnumerable<ISmtpExtension> extensions)
{
    public SmtpServerOptions Server { get; } = server.Value;
    public SmtpLimits Limits { get; } = limits.Value;
    public RelayPolicy Relay { get; } = relay;
    public IMessageSink Sink { get; } = sink;
    public TlsCertificateProvider Tls { get; } = tls;
    public Cluster.ClusterIdentity Cluster { get; } = cluster;
    public TimeProvider Time { get; } = time;
    public SmtpMetrics Metrics { get; } = metrics;
    public ILogger Logger { get; } = logger;
    public IReadOnlyList<ISmtpExtension> Extensions { get; } = [.. extensions];
}
