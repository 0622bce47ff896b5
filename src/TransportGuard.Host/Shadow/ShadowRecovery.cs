using Microsoft.Extensions.Logging;
using TransportGuard.Queue;
using TransportGuard.Spool;

namespace TransportGuard.Shadow;

/// <summary>
/// Rebuilds shadow redundancy's state from the store when the queue starts, before anything is scheduled, and keeps
/// the holder's index of shadows current as copies arrive: shadows (dropped when a copy shows they were taken over
/// before a crash), discard notices owed, and recovered messages a holder may have taken over while we were down
/// (fenced until it says).
/// </summary>
internal sealed partial class ShadowRecovery(IMessageStore store, ShadowStore shadows, DiscardNotices notices, PeerDirectory peers, TakeoverFence fence,
    TakenReports taken, KeptMessages kept, ILogger<ShadowRecovery> logger) : IRecoveryHook
{
    public async Task RecoverAsync(CancellationToken cancellationToken)
    {
        // A copy a primary sends us is held, not delivered (the scheduler leaves it alone): index it as it commits.
        store.Committed += message =>
        {
            if (message.Envelope.ShadowOf is not { } shadow)
                return;
            if (shadows.AddUnlessDiscarded(shadow, message.Envelope.QueueId))
                _ = DropAsync(message.Envelope.QueueId, shadow);
        };
        var takenOver = TakenOver();
        foreach (var message in store.Messages.ToList())
            await RecoveredAsync(message, store.Progress(message.Envelope.QueueId), takenOver);
    }

    /// <summary>A copy committed after its primary gave up on it and told us to discard it: an orphan otherwise.</summary>
    private async Task DropAsync(string queueId, ShadowRef shadow)
    {
        try
        {
            await kept.ReleaseAsync(queueId, shadowDiscarded: true, $"shadow discarded: {shadow.Primary} gave up on this copy of {shadow.PrimaryQueueId}");
            LogLateCopyDropped(queueId, shadow.Primary, shadow.PrimaryQueueId);
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException)
        {
            // The spool refused the record (a failed commit): recovery indexes it as a shadow; auto-discard ends it.
            LogLateCopyKept(ex, queueId);
        }
    }

    [LoggerMessage(5410, LogLevel.Information, "{QueueId}: shadow copy of {Primary}'s {PrimaryQueueId} dropped: its primary had given up on it")]
    private partial void LogLateCopyDropped(string queueId, string primary, string primaryQueueId);

    [LoggerMessage(5411, LogLevel.Warning, "{QueueId}: a shadow copy its primary gave up on could not be dropped")]
    private partial void LogLateCopyKept(Exception exception, string queueId);

    /// <summary>Shadows already taken over (a copy names them): a crash between writing the copy and finishing the
    /// shadow must not make a second copy.</summary>
    private HashSet<ShadowRef> TakenOver()
    {
        var copies = store.Unordered.Select(m => m.Envelope.TakenOverFrom).OfType<ShadowRef>().ToList();
        foreach (var copy in copies)
            taken.Add(copy.Primary, copy.PrimaryQueueId); // its primary may not have been told yet
        return copies.Select(s => s with { Since = default }).ToHashSet();
    }

    private async Task RecoveredAsync(SpooledMessage message, MessageProgress progress, HashSet<ShadowRef> takenOver)
    {
        var envelope = message.Envelope;
        if ((envelope.ShadowOf ?? progress.Shadow) is { } shadow)
        {
            if (takenOver.Contains(shadow with { Since = default }))
                await store.MarkFinishedAsync(envelope.QueueId, "taken over before the restart");
            else
                shadows.Add(shadow, envelope.QueueId);
        }
        if (peers.HolderOf(envelope, progress) is { } holder)
        {
            if (progress.AwaitingDiscard)
                notices.Add(holder, envelope.QueueId);
            else
                fence.Fence(envelope.QueueId, holder); // the holder may have taken it over while we were down
        }
    }
}
