using Microsoft.Extensions.Logging;
using TransportGuard.Delivery;
using TransportGuard.Queue;
using TransportGuard.Spool;
using TransportGuard.Tracking;

namespace TransportGuard.Shadow;

/// <summary>
/// What shadow redundancy keeps once a message has ended, however it ended (docs/protocol.md): a message a peer
/// shadows stays until that peer acknowledges our discard notice (else the peer would take it over, and deliver or
/// bounce it again, once we are gone); one we handed to a primary that took it with XSHADOW stays as our shadow of
/// it; a copy we took over stays until its old primary asks (fencing) or the auto-discard interval ends.
/// </summary>
internal sealed partial class ShadowKeeper(PeerDirectory peers, DiscardNotices notices, ShadowStore shadows, KeptMessages kept, IMessageTracker tracker,
    TimeProvider time, ILogger<ShadowKeeper> logger) : IMessageKeeper
{
    public KeepRequest? Keep(SpooledMessage message, MessageProgress progress, IReadOnlyList<RecipientResult> results)
    {
        var envelope = message.Envelope;
        var holder = peers.HolderOf(envelope, progress);
        var takenOver = envelope.TakenOverFrom is not null;
        var primary = takenOver ? null : results.Select(r => r.Primary).FirstOrDefault(p => p is not null);
        if (holder is null && primary is null && !takenOver)
            return null;
        var now = time.GetUtcNow();
        return new KeepRequest(
            p => p with { AwaitingDiscard = holder is not null || takenOver, Shadow = primary is null ? p.Shadow : primary with { Since = now } },
            primary is not null ? $"ended; shadowed for {primary.Primary}" : "ended; kept until a peer's word",
            recorded =>
            {
                if (holder is not null)
                    notices.Add(holder, envelope.QueueId);
                if (primary is not null)
                {
                    // The primary may have delivered its copy and sent its discard notice before this record was durable.
                    if (shadows.AddUnlessDiscarded(recorded.Shadow!, envelope.QueueId))
                        _ = ReleaseEarlyAsync(envelope.QueueId, primary);
                    tracker.Record(envelope.Tracked(TrackingEventKind.Shadow) with
                    {
                        Peer = primary.Primary, PeerQueueId = primary.PrimaryQueueId,
                        Detail = $"delivered to primary {primary.Primary}, which took it with XSHADOW: kept here as its shadow",
                    });
                }
                LogKept(envelope.QueueId, holder ?? "-", primary?.Primary ?? "-");
            });
    }

    private async Task ReleaseEarlyAsync(string queueId, ShadowRef primary)
    {
        try
        {
            await kept.ReleaseAsync(queueId, shadowDiscarded: true, $"shadow discarded: {primary.Primary} delivered {primary.PrimaryQueueId} before we kept it");
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException)
        {
            // The spool refused the record (a failed commit): the shadow stays until auto-discard.
            LogEarlyReleaseFailed(ex, queueId);
        }
    }

    [LoggerMessage(4011, LogLevel.Warning, "{QueueId}: its primary discarded it before it was kept, and the release failed; it stays until auto-discard")]
    private partial void LogEarlyReleaseFailed(Exception exception, string queueId);

    [LoggerMessage(4008, LogLevel.Information, "{QueueId}: ended; kept until {Holder} acknowledges the discard notice, shadowed for primary {Primary}")]
    private partial void LogKept(string queueId, string holder, string primary);
}
