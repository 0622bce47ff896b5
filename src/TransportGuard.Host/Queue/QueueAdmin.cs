using TransportGuard.Spool;
using TransportGuard.Tracking;

namespace TransportGuard.Queue;

internal enum QueueItemState
{
    Ready,
    Active,
    Deferred,
    Held,
    /// <summary>Not ours to deliver now: a shadow kept for a peer, or delivered and kept until a peer's word.</summary>
    Shadow,
}

/// <summary>One queued message as an operator sees it (Postfix mailq, Exchange Get-Message).</summary>
internal sealed record QueueItem(string QueueId, string Sender, IReadOnlyList<string> PendingRecipients, long Size,
    DateTimeOffset ReceivedAt, QueueItemState State, int Attempts, DateTimeOffset? NextAttemptAt, string? LastError);

/// <summary>The queue's operations for operators (Postfix's mailq, postqueue and postsuper; Exchange's Get-Message,
/// Suspend-Message, Retry-Queue and Remove-Message), used by the admin API. Each change is durable before it acts.</summary>
internal sealed class QueueAdmin(IMessageStore store, QueueScheduler scheduler, DeliveryAttempt attempt, IMessageTracker tracker, TimeProvider time)
{
    public IReadOnlyList<QueueItem> List(QueueItemState? state = null, string? contains = null)
    {
        var now = time.GetUtcNow();
        return [.. store.Messages.Select(m => ItemOf(m, now))
            .Where(i => state is null || i.State == state)
            .Where(i => contains is null || i.Sender.Contains(contains, StringComparison.OrdinalIgnoreCase)
                || i.PendingRecipients.Any(r => r.Contains(contains, StringComparison.OrdinalIgnoreCase)))];
    }

    /// <summary>One message as an operator sees it, or null when it is not queued.</summary>
    public QueueItem? Find(string queueId) => store.TryGet(queueId, out var message) ? ItemOf(message, time.GetUtcNow()) : null;

    private QueueItem ItemOf(SpooledMessage message, DateTimeOffset now)
    {
        var envelope = message.Envelope;
        var progress = store.Progress(envelope.QueueId);
        return new QueueItem(envelope.QueueId, envelope.ReversePath, [.. envelope.Recipients.Select(r => r.Address).Where(r => !progress.IsDone(r))],
            envelope.Length, envelope.ReceivedAt, scheduler.StateOf(message, progress, now), progress.Attempts, progress.NextAttemptAt,
            attempt.LastError(envelope.QueueId));
    }

    /// <summary>Keeps a message out of delivery until released (postsuper -h); survives restarts.</summary>
    public async Task<bool> HoldAsync(string queueId) =>
        await store.RecordProgressAsync(queueId, p => p with { Held = true }, "held by the administrator") is not null;

    /// <summary>Releases a held message for delivery now (postsuper -H).</summary>
    public async Task<bool> ReleaseAsync(string queueId) => await RetryNowAsync(queueId, release: true);

    /// <summary>Attempts a deferred message now (postqueue -i); a held one stays held.</summary>
    public async Task<bool> RetryNowAsync(string queueId) => await RetryNowAsync(queueId, release: false);

    private async Task<bool> RetryNowAsync(string queueId, bool release)
    {
        var progress = await store.RecordProgressAsync(queueId,
            p => p with { Held = !release && p.Held, NextAttemptAt = null }, release ? "released by the administrator" : "retry requested");
        if (progress is null)
            return false;
        scheduler.Schedule(queueId, progress);
        return true;
    }

    /// <summary>Deletes a message (postsuper -d), or with <paramref name="bounce"/> returns its pending recipients to
    /// the sender first (Exchange Remove-Message -WithNDR).</summary>
    public async Task<bool> DeleteAsync(string queueId, bool bounce)
    {
        if (!store.TryGet(queueId, out var message))
            return false;
        tracker.Record(message.Envelope.Tracked(TrackingEventKind.Delete,
            message.Envelope.Recipients.Select(r => r.Address).Where(r => !store.Progress(queueId).IsDone(r))) with
        {
            Detail = bounce ? "deleted by the administrator, reported to the sender" : "deleted by the administrator",
        });
        if (!bounce)
        {
            await attempt.DeletedAsync(message);
            return true;
        }
        var now = time.GetUtcNow();
        var progress = await store.RecordProgressAsync(queueId, p => p.WithOutcomes(message.Envelope.Recipients
            .Where(r => !p.IsDone(r.Address))
            .Select(r => new RecipientOutcome(r.Address, RecipientStatus.Failed, "5.0.0", "deleted from the queue by the administrator", null, now))),
            "deleted by the administrator");
        if (progress is null)
            return false;
        if (await attempt.SettleAsync(message, progress) is { } rest)
            scheduler.Schedule(queueId, rest);
        return true;
    }
}
