using TransportGuard.Delivery.Routing;

namespace TransportGuard.Delivery.Clusters;

/// <summary>
/// A mailbox cluster route moved from one server to another (<see cref="MailboxClusters.FailedOver"/>). What the old
/// active took after <see cref="LastGoodContact"/> may be lost with it, and a lagging copy may miss a little before:
/// the Safety Net resubmits what it delivered on <see cref="Route"/> from <see cref="WindowStart"/> to <see cref="At"/>
/// to the new active (docs/safetynet.md, Mailbox clusters).
/// </summary>
/// <param name="Route">The route's specification, as configured (<see cref="Routing.Route.Spec"/>).</param>
/// <param name="LastGoodContact">The old active's last passed health check, or when the gateway began watching it
/// if it never passed one.</param>
/// <param name="Replay">The route's <c>replay=</c>.</param>
internal sealed record ClusterFailover(string Route, HostPort From, HostPort To, DateTimeOffset LastGoodContact, TimeSpan Replay, DateTimeOffset At)
{
    public DateTimeOffset WindowStart => LastGoodContact - Replay;
}
