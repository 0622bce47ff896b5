using TransportGuard.Delivery.Routing;

namespace TransportGuard.Delivery.Clusters;

/// <summary>One mailbox cluster route as the admin API shows it (<see cref="MailboxClusters.Snapshot"/>).</summary>
/// <param name="Route">The route's specification.</param>
/// <param name="Name">The domain keys that use it ("example.net"; "default" for the default route), comma-separated:
/// the <c>route</c> label of its metrics.</param>
/// <param name="LastGoodContact">The active server's last passed health check; null if it has passed none yet.</param>
internal sealed record ClusterSnapshot(string Route, string Name, HostPort Active, IReadOnlyList<ServerSnapshot> Servers,
    DateTimeOffset? LastGoodContact, TimeSpan Replay, int Failovers, ClusterFailover? LastFailover);

/// <summary>One server of a cluster route: its health as the last probes saw it.</summary>
internal sealed record ServerSnapshot(HostPort Server, bool Active, bool? Healthy, int ConsecutiveFailures,
    DateTimeOffset? HealthySince, DateTimeOffset? LastCheck, string? LastError);
