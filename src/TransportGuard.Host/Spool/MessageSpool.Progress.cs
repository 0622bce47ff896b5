namespace TransportGuard.Spool;

internal sealed partial class MessageSpool
{
    // Serializes progress writes so that revisions follow log order (recovery takes the scalars of the highest).
    private readonly Lock _progressLock = new();

    /// <summary>
    /// Applies a change to a message's queue progress and returns once it is durable; the caller acts on it only
    /// then (docs/architecture.md: written before it is acted on). Null when the message is no longer queued.
    /// </summary>
    public async Task<MessageProgress?> RecordProgressAsync(string queueId, Func<MessageProgress, MessageProgress> change, string reason)
    {
        if (Faulted)
            throw new IOException($"the spool is failed after a commit error; progress of {queueId} not recorded");
        long address;
        MessageProgress next;
        lock (_progressLock)
        {
            if (!Index.TryGet(queueId, out _))
                return null;
            var current = Index.Progress(queueId);
            next = change(current) with { Revision = current.Revision + 1 };
            var outcomes = next.Outcomes.Values.Where(o => !current.Outcomes.ContainsKey(o.Recipient));
            var reported = next.Reported.Except(current.Reported);
            address = _log.Log.Enqueue(SpoolStateChange.Of(queueId, next, outcomes, reported, reason).ToRecord());
            Index.SetProgress(queueId, next);
        }
        await _committer.WaitDurableAsync(address);
        return next;
    }

    /// <summary>After a compaction copy, the whole progress again, so that truncating the head loses none of it.</summary>
    private async Task WriteProgressSnapshotAsync(string queueId)
    {
        long address;
        lock (_progressLock)
        {
            var progress = Index.Progress(queueId);
            if (!Index.TryGet(queueId, out _) || progress.Revision == 0 && progress.Reported.IsEmpty)
                return;
            address = _log.Log.Enqueue(SpoolStateChange.Of(queueId, progress, progress.Outcomes.Values, progress.Reported, "compaction").ToRecord());
        }
        await _committer.WaitDurableAsync(address);
    }
}
