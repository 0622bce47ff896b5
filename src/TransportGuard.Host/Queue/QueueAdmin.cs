using TransportGuard.Spool;

namespace TransportGuard.Queue;

public enum QueueItemState
{
    Ready,
    Active,
    Deferred,
    Held,
    /// <summary>Not ours to deliver now: a shadow kept for a peer, or delivered and kept until a peer's word.</summary>
    Shadow,
}

/// <summary>One queued message as an operator sees it (Postfix mailq, Exchange Get-Message).</summary>
public sealed record QueueItem(string QueueId, string Sender, IReadOnlyList<string> PendingRecipients, long Size,
    DateTimeOffset ReceivedAt, QueueItemState State, int Attempts, DateTimeOffset? NextAttemptAt, string? LastError);

public sealed partial class QueueManager
{
    /// <summary>How many messages are in each state, cheaply, for the metrics.</summary>
    public IReadOnlyDictionary<QueueItemState, int> CountByState()
    {
        var now = _time.GetUtcNow();
        var counts = Enum.GetValues<QueueItemState>().ToDictionary(s => s, _ => 0);
        foreach (var message in Spool.Index.Unordered)
            counts[StateOf(message, Spool.Index.Progress(message.Envelope.QueueId), now)]++;
        return counts;
    }

    private QueueItemState StateOf(SpooledMessage message, MessageProgress progress, DateTimeOffset now) =>
        _active.ContainsKey(message.Envelope.QueueId) ? QueueItemState.Active
        : !progress.Deliverable(message.Envelope) ? QueueItemState.Shadow
        : progress.Held ? QueueItemState.Held
        : progress.NextAttemptAt > now ? QueueItemState.Deferred
        : QueueItemState.Ready;

    public IReadOnlyList<QueueItem> List(QueueItemState? state = null, string? contains = null)
    {
        var now = _time.GetUtcNow();
        return [.. Spool.Index.Messages.Select(m => ItemOf(m, now))
            .Where(i => state is null || i.State == state)
            .Where(i => contains is null || i.Sender.Contains(contains, StringComparison.OrdinalIgnoreCase)
                || i.PendingRecipients.Any(r => r.Contains(contains, StringComparison.OrdinalIgnoreCase)))];
    }

    /// <summary>One message as an operator sees it, or null when it is not queued.</summary>
    public QueueItem? Find(string queueId) => Spool.Index.TryGet(queueId, out var message) ? ItemOf(message, _time.GetUtcNow()) : null;

    private QueueItem ItemOf(SpooledMessage message, DateTimeOffset now)
    {
        var envelope = message.Envelope;
        var progress = Spool.Index.Progress(envelope.QueueId);
        return new QueueItem(envelope.QueueId, envelope.ReversePath, [.. envelope.Recipients.Select(r => r.Address).Where(r => !progress.IsDone(r))],
            envelope.Length, envelope.ReceivedAt, StateOf(message, progress, now), progress.Attempts, progress.NextAttemptAt,
            _lastError.GetValueOrDefault(envelope.QueueId));
    }

    /// <summary>Keeps a message out of delivery until released (postsuper -h); survives restarts.</summary>
    public async Task<bool> HoldAsync(string queueId) =>
        await Spool.RecordProgressAsync(queueId, p => p with { Held = true }, "held by the administrator") is not null;

    /// <summary>Releases a held message for delivery now (postsuper -H).</summary>
    public async Task<bool> ReleaseAsync(string queueId) => await RetryNowAsync(queueId, release: true);

    /// <summary>Attempts a deferred message now (postqueue -i); a held one stays held.</summary>
    public async Task<bool> RetryNowAsync(string queueId) => await RetryNowAsync(queueId, release: false);

    private async Task<bool> RetryNowAsync(string queueId, bool release)
    {
        var progress = await Spool.RecordProgressAsync(queueId,
            p => p with { Held = !release && p.Held, NextAttemptAt = null }, release ? "released by the administrator" : "retry requested");
        if (progress is null)
            return false;
        Schedule(queueId, progress);
        return true;
    }

    /// <summary>Deletes a message (postsuper -d), or with <paramref name="bounce"/> returns its pending recipients to
    /// the sender first (Exchange Remove-Message -WithNDR).</summary>
    public async Task<bool> DeleteAsync(string queueId, bool bounce)
    {
        if (!Spool.Index.TryGet(queueId, out var message))
            return false;
        if (!bounce)
        {
            await Spool.MarkFinishedAsync(queueId, "deleted by the administrator");
            return true;
        }
        var now = _time.GetUtcNow();
        var progress = await Spool.RecordProgressAsync(queueId, p => p.WithOutcomes(message.Envelope.Recipients
            .Where(r => !p.IsDone(r.Address))
            .Select(r => new RecipientOutcome(r.Address, RecipientStatus.Failed, "5.0.0", "deleted from the queue by the administrator", null, now))),
            "deleted by the administrator");
        if (progress is null)
            return false;
        await SettleAsync(message, progress);
        return true;
    }
}
