namespace TransportGuard.Spool;

internal sealed record RecoveryReport(long Records, long Envelopes, long Finished, long Unreadable, TimeSpan Elapsed)
{
    public static readonly RecoveryReport Empty = new(0, 0, 0, 0, TimeSpan.Zero);
}

/// <summary>
/// Rebuilds the index by scanning the committed log: an envelope makes a message live (the latest copy wins), a
/// Finished state record ends it for good, Progress records (and reports naming a message) merge into its progress. FasterLog has already dropped everything past the last commit (the torn tail), so what is scanned is
/// exactly what was acknowledged or recorded durably.
/// </summary>
internal static class SpoolRecovery
{
    public static RecoveryReport Rebuild(SpoolLog log, SpoolIndex index, RetainedMessages retained)
    {
        long records = 0, envelopes = 0, finished = 0, unreadable = 0;
        retained.Clear();
        // A queue id is never given a second life, so a Finished record wins over any envelope of the same id,
        // even one written after it (a compaction copy racing with the message being finished).
        var done = new HashSet<string>(StringComparer.Ordinal);
        foreach (var entry in SpoolScan.Committed(log))
        {
            records++;
            if (entry.Unreadable || !SpoolRecord.TryReadHeader(entry.Record, out var kind, out var queueId))
            {
                unreadable++;
                continue;
            }
            switch (kind)
            {
                case SpoolRecordKind.Envelope:
                    envelopes++;
                    var envelope = SpooledEnvelope.FromRecord(entry.Record);
                    if (!done.Contains(queueId))
                        index.Put(new SpooledMessage(envelope, entry.Address));
                    if (envelope.Bounce is { } bounce && !done.Contains(bounce.QueueId))
                        index.MergeProgress(bounce.QueueId, MessageProgress.Initial with { Reported = MessageProgress.Initial.Reported.Union(bounce.Recipients) });
                    break;
                case SpoolRecordKind.State:
                    var change = SpoolStateChange.FromRecord(entry.Record);
                    if (change.State == SpoolState.Finished)
                    {
                        finished++;
                        done.Add(queueId);
                        // Kept for the Safety Net: the copy the index holds is the one it was delivered from.
                        if (change is { Retained: true, Outcomes: { Count: > 0 } deliveries } && index.TryGet(queueId, out var delivered))
                            retained.Add(new RetainedMessage(delivered, deliveries));
                        index.Remove(queueId);
                    }
                    else if (!done.Contains(queueId))
                    {
                        index.MergeProgress(queueId, change.ToProgress());
                    }
                    break;
            }
        }
        index.DropOrphanProgress();
        retained.DropBefore(log.Log.BeginAddress);
        return new RecoveryReport(records, envelopes, finished, unreadable, TimeSpan.Zero);
    }
}
