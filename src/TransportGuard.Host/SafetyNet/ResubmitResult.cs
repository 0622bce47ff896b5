namespace TransportGuard.SafetyNet;

internal static class ResubmitTrigger
{
    /// <summary>An operator's request (API or CLI).</summary>
    public const string Request = "request";
    /// <summary>A mailbox cluster route moved to a standby (docs/safetynet.md, Mailbox clusters).</summary>
    public const string Failover = "failover";
}

/// <summary>What one resubmit request matched and queued. <paramref name="Matched"/> counts messages and
/// <paramref name="Recipients"/> their matching deliveries; <paramref name="QueueIds"/> names the new copies (the
/// first thousand).</summary>
internal sealed record ResubmitResult(string RequestId, string Trigger, DateTimeOffset At, ResubmitFilter Filter, string? ResubmitTo,
    bool DryRun, int Matched, int Recipients, int Resubmitted, int Failed, IReadOnlyList<string> QueueIds, string Note);

/// <summary>The recent requests, newest first, for /api/safetynet (kept in memory: a restart forgets the list, not
/// the copies, which are queued durably and carry their request id).</summary>
internal sealed class ResubmitHistory
{
    private const int Kept = 50;
    private readonly LinkedList<ResubmitResult> _results = new();
    private readonly Lock _lock = new();

    public void Add(ResubmitResult result)
    {
        lock (_lock)
        {
            _results.AddFirst(result with { QueueIds = [.. result.QueueIds.Take(20)] });
            while (_results.Count > Kept)
                _results.RemoveLast();
        }
    }

    public IReadOnlyList<ResubmitResult> Recent()
    {
        lock (_lock)
            return [.. _results];
    }
}
