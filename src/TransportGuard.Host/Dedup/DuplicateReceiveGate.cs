using Microsoft.Extensions.Logging;
using TransportGuard.Delivery.Routing;
using TransportGuard.Smtp;
using TransportGuard.Spool;
using TransportGuard.Telemetry;

namespace TransportGuard.Dedup;

/// <summary>
/// Duplicate detection on receive (docs/dedup.md): a message every recipient of which already has it at the
/// destination we would deliver it to (a sender that lost our 250 and sent it again) is answered 250 and not
/// queued. Never for a message a peer is owed an outcome of (a shadow copy, a relay under XSHADOW): that one is
/// queued and found a duplicate before its delivery, so its discard notice still comes.
/// </summary>
internal sealed partial class DuplicateReceiveGate(DuplicateStoreService stores, RouteTable routes, RedundancyMetrics metrics,
    ILogger<DuplicateReceiveGate> logger) : IReceiveGate
{
    public async ValueTask<ReceivePlan> PlanAsync(ReceivePlan plan, MessageEnvelope received, CancellationToken cancellationToken)
    {
        var envelope = plan.Envelope;
        if (plan.OwedToPeer || envelope.Identity is not { } identity || stores.Store is not { } store)
            return plan;
        var keys = envelope.Recipients
            .Select(r => DeliveryKey.Of(identity.Id, identity.BodySha256, r.Address, routes.Target(r.Address).Destination)).ToList();
        var found = await stores.FindOrNoneAsync(store, keys, envelope.QueueId, cancellationToken);
        if (found.Any(f => f is null))
            return plan;
        metrics.DuplicatesSuppressed.Inc(keys.Count);
        LogNotQueued(envelope.QueueId, identity.Id, keys.Count, found[0]!.ToString());
        return plan with { Duplicate = $"already delivered as {found[0]!.QueueId}; not queued again" };
    }

    [LoggerMessage(8002, LogLevel.Information, "{QueueId}: not queued: a duplicate of {Identity}, which all {Recipients} recipient(s) already have (first as {Original})")]
    private partial void LogNotQueued(string queueId, string identity, int recipients, string original);
}
