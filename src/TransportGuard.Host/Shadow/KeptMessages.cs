using TransportGuard.Spool;
using TransportGuard.Tracking;

namespace TransportGuard.Shadow;

/// <summary>
/// What ends a message kept for shadow redundancy (docs/protocol.md): a discard notice or its acknowledgement
/// releases it, a takeover turns a shadow into a message of our own.
/// </summary>
internal sealed class KeptMessages(IMessageStore store, QueueIdGenerator ids, TakenReports taken, IMessageTracker tracker)
{
    /// <summary>
    /// A hold on a delivered message ends: its primary discarded our shadow (<paramref name="shadowDiscarded"/>), or
    /// its holder acknowledged our discard notice. With neither left, the message is finished. The two may end at
    /// once (an edge's message is both shadowed by the other edge and our shadow of the hub's copy), each release
    /// reading the progress before the other writes: the release whose record leaves no hold finishes the message,
    /// else it would stay, deliverable with nothing to deliver, and never end (chaos mailbox-failover, e2).
    /// </summary>
    public async Task ReleaseAsync(string queueId, bool shadowDiscarded, string reason)
    {
        if (!store.TryGet(queueId, out var message))
            return;
        var progress = store.Progress(queueId);
        var stillShadow = !shadowDiscarded && (progress.Shadow is not null || message.Envelope.ShadowOf is not null);
        var stillAwaiting = shadowDiscarded && progress.AwaitingDiscard;
        if (stillShadow || stillAwaiting)
        {
            var left = await store.RecordProgressAsync(queueId, p => shadowDiscarded ? p with { Shadow = null } : p with { AwaitingDiscard = false }, reason);
            if (left is null || left.Shadow is not null || left.AwaitingDiscard || message.Envelope.ShadowOf is not null)
                return;
        }
        await store.MarkFinishedAsync(queueId, reason);
    }

    /// <summary>
    /// Takes over a shadow whose primary is down: a copy under a new queue id (a new life never reuses an id),
    /// marked as taken over from the primary so the primary can be told later; then the shadow goes. The store
    /// announces the copy to the queue like new mail, and its route delivers it around the dead node.
    /// </summary>
    public async Task<string?> TakeOverAsync(string queueId)
    {
        if (!store.TryGet(queueId, out var shadow) || (shadow.Envelope.ShadowOf ?? store.Progress(queueId).Shadow) is not { } of)
            return null;
        var content = await store.ReadContentAsync(shadow.Envelope);
        taken.Add(of.Primary, of.PrimaryQueueId);
        var copy = shadow.Envelope with
        {
            QueueId = ids.Next(), Chunks = [], ShadowOf = null, ShadowHolder = null, Bounce = null, TakenOverFrom = of,
        };
        await store.StoreAsync(copy, content, CancellationToken.None);
        tracker.Record(copy.Tracked(TrackingEventKind.TakeOver) with
        {
            RelatedQueueId = queueId, Peer = of.Primary, PeerQueueId = of.PrimaryQueueId,
            Detail = $"shadow {queueId} of {of.Primary}'s {of.PrimaryQueueId} taken over as {copy.QueueId}: the primary is down",
        });
        await store.MarkFinishedAsync(queueId, $"taken over from {of.Primary} as {copy.QueueId}");
        return copy.QueueId;
    }
}
