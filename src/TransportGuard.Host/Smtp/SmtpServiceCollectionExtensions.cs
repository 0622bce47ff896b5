using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using TransportGuard.Configuration;
using TransportGuard.Smtp.Cluster;
using TransportGuard.Smtp.Session;
using TransportGuard.Smtp.Transport;

namespace TransportGuard.Smtp;

internal static class SmtpServiceCollectionExtensions
{
    /// <summary>The SMTP receive side: listener, sessions, limits, relay policy and TLS. Needs an <see cref="IMessageSink"/>.</summary>
    public static IServiceCollection AddSmtpServer(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<SmtpServerOptions>(configuration, SmtpServerOptions.Section);
        services.AddValidatedOptions<SmtpLimits>(configuration, SmtpLimits.Section);
        services.AddValidatedOptions<RelayOptions>(configuration, RelayOptions.Section);
        services.AddValidatedOptions<TlsOptions>(configuration, TlsOptions.Section);
        services.AddValidatedOptions<ClusterOptions>(configuration, ClusterOptions.Section);
        // The composition names this node (its cluster node id); alone, the engine is a node of no cluster.
        services.TryAddSingleton(sp => new ClusterIdentity(Environment.MachineName, ClusterSecretFrom(sp)));
        services.AddSingleton<PeerSessionPool>();
        services.AddSingleton<RelayPolicy>();
        services.AddSingleton<TlsCertificateProvider>();
        services.AddSingleton<ConnectionLimiter>();
        services.AddSingleton<DrainState>();
        services.AddSingleton<SmtpSessionServices>();
        services.AddSingleton<SmtpListener>();
        services.AddHostedService(sp => sp.GetRequiredService<SmtpListener>());
        return services;
    }

    /// <summary>The cluster secret, when Cluster:Secret or Cluster:SecretFile gives one (docs/security.md).</summary>
    public static ClusterSecret? ClusterSecretFrom(IServiceProvider services) =>
        services.GetRequiredService<IOptions<ClusterOptions>>().Value.ReadSecret() is { Length: > 0 } secret ? new ClusterSecret(secret) : null;
}
