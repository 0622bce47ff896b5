using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using TransportGuard.Admin;
using TransportGuard.Configuration;
using TransportGuard.Dedup;
using TransportGuard.Delivery;
using TransportGuard.Delivery.Smtp;
using TransportGuard.Queue;
using TransportGuard.SafetyNet;
using TransportGuard.Shadow;
using TransportGuard.Smtp;
using TransportGuard.Smtp.Cluster;
using TransportGuard.Spool;
using TransportGuard.Telemetry;
using TransportGuard.Tracking;

namespace TransportGuard;

/// <summary>
/// The one place where features meet (docs/architecture.md, Seams): each stage's seam gets its implementation
/// here, and no feature folder names another feature's plug-ins.
/// </summary>
internal static partial class GatewayHost
{
    private static void Compose(IServiceCollection services)
    {
        // Message tracking keeps its hourly files beside the spool (docs/tracking.md).
        services.AddSingleton(sp => new TrackingDirectory(Path.Combine(sp.GetRequiredService<IOptions<SpoolOptions>>().Value.DataDirectory, "tracking")));
        // Receive → store: the SMTP engine's sink is the spool.
        services.AddSingleton<IMessageSink>(sp => sp.GetRequiredService<SpoolMessageSink>());
        services.AddSingleton(ClientProfile);
        // The SMTP engine's peer authentication names this node by its cluster id (docs/security.md).
        services.AddSingleton(sp => new ClusterIdentity(sp.GetRequiredService<IOptions<ShadowOptions>>().Value.NodeId,
            SmtpServiceCollectionExtensions.ClusterSecretFrom(sp)));

        // Shadow redundancy at each seam: the verbs in the SMTP engine, the copy before the 250, the gate before
        // each delivery, the keeper of delivered mail, its recovery, the hosts it knows are down, its admin API.
        services.AddSingleton<ISmtpExtension>(sp => sp.GetRequiredService<ShadowExtension>());
        services.AddSingleton<IReceiveGate>(sp => sp.GetRequiredService<ShadowReceiveGate>());
        services.AddSingleton<IDeliveryGate>(sp => sp.GetRequiredService<TakeoverFence>());
        services.AddSingleton<IMessageKeeper>(sp => sp.GetRequiredService<ShadowKeeper>());
        services.AddSingleton<IRecoveryHook>(sp => sp.GetRequiredService<ShadowRecovery>());
        services.AddSingleton<IHostAvailability>(sp => sp.GetRequiredService<PeerDirectory>());
        services.AddSingleton<IAdminApi>(sp => sp.GetRequiredService<ShadowApi>());
        // Started after the queue (registration order): the queue's recovery fences before the questions go out.
        services.AddHostedService(sp => sp.GetRequiredService<ShadowManager>());

        // Duplicate detection: on receive after shadow's gate (which says whether a peer is owed the outcome), and
        // around each delivery; the entries name this node by its cluster id.
        services.AddSingleton(sp => new NodeName(sp.GetRequiredService<IOptions<ShadowOptions>>().Value.NodeId));
        services.AddSingleton<IReceiveGate>(sp => sp.GetRequiredService<DuplicateReceiveGate>());
        services.AddSingleton<IDeliveryLedger>(sp => sp.GetRequiredService<DuplicateLedger>());

        // The Safety Net: its admin API (resubmit requests, what it holds).
        services.AddSingleton<IAdminApi>(sp => sp.GetRequiredService<SafetyNetApi>());
    }

    /// <summary>Registered after the SMTP listener, so that on a stop it runs while peers can still reach us.</summary>
    private static void ComposeStop(IServiceCollection services) => services.AddHostedService<QuietStop>();

    /// <summary>How this node appears as an SMTP client: its EHLO name, its node address as the source, and its node
    /// id for XSHADOW when it has peers.</summary>
    private static SmtpClientProfile ClientProfile(IServiceProvider services)
    {
        var smtp = services.GetRequiredService<IOptions<SmtpServerOptions>>().Value;
        var shadow = services.GetRequiredService<IOptions<ShadowOptions>>().Value;
        var source = smtp.ListenEndpoints().Select(e => Check.TryParseEndpoint(e, out var endPoint) ? endPoint.Address : null)
            .FirstOrDefault(a => a is not null && !a.Equals(IPAddress.Any) && !a.Equals(IPAddress.IPv6Any));
        return new SmtpClientProfile(services.GetRequiredService<LocalHostName>().Value, source, shadow.PeerList().Count > 0 ? shadow.NodeId : null);
    }

    /// <summary>Creates every metrics class now, so that all series exist (at zero) from the first scrape.</summary>
    private static void CreateAllMetrics(IServiceProvider services)
    {
        services.GetRequiredService<SmtpMetrics>();
        services.GetRequiredService<SpoolMetrics>();
        services.GetRequiredService<DeliveryMetrics>();
        services.GetRequiredService<RedundancyMetrics>();
        services.GetRequiredService<DedupMetrics>();
        services.GetRequiredService<SafetyNetMetrics>();
        services.GetRequiredService<TrackingMetrics>();
    }
}
