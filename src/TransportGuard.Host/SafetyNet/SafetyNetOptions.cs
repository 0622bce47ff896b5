using TransportGuard.Configuration;

namespace TransportGuard.SafetyNet;

/// <summary>The Safety Net (configuration section "SafetyNet"; docs/safetynet.md). Exchange's SafetyNetHoldTime and
/// the size bound of its transport dumpster.</summary>
internal sealed class SafetyNetOptions : IValidatable
{
    public const string Section = "SafetyNet";

    /// <summary>Off: delivered mail is not kept and nothing can be resubmitted.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>How long a delivered message is kept (Exchange's SafetyNetHoldTime, 2 days by default).</summary>
    public TimeSpan HoldTime { get; set; } = TimeSpan.FromDays(2);

    /// <summary>The most content kept; past it the oldest go first (they pin the head of the spool log).</summary>
    public long MaxBytes { get; set; } = 4L * 1024 * 1024 * 1024;

    /// <summary>The most messages kept: each costs memory for its index entry (about a kilobyte, docs/safetynet.md).</summary>
    public int MaxMessages { get; set; } = 500_000;

    /// <summary>How often expired messages are let go and the bounds enforced.</summary>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Messages one resubmit request copies into the queue at once (each a read and a group commit).</summary>
    public int ResubmitConcurrency { get; set; } = 8;

    /// <summary>How long after a mailbox cluster failover its resubmit looks again, for deliveries whose next hop's
    /// 250 had come but whose record had not been written at the first look (docs/safetynet.md, Mailbox clusters).</summary>
    public TimeSpan FailoverSecondLook { get; set; } = TimeSpan.FromSeconds(5);

    public IEnumerable<string> Validate()
    {
        if (Check.Positive($"{Section}:{nameof(HoldTime)}", HoldTime) is { } hold)
            yield return hold;
        if (Check.Range($"{Section}:{nameof(MaxBytes)}", MaxBytes, 0, long.MaxValue / 2) is { } bytes)
            yield return bytes;
        if (Check.Range($"{Section}:{nameof(MaxMessages)}", MaxMessages, 0, 100_000_000) is { } messages)
            yield return messages;
        if (Check.Positive($"{Section}:{nameof(SweepInterval)}", SweepInterval) is { } sweep)
            yield return sweep;
        if (Check.Range($"{Section}:{nameof(ResubmitConcurrency)}", ResubmitConcurrency, 1, 256) is { } concurrency)
            yield return concurrency;
        if (Check.Positive($"{Section}:{nameof(FailoverSecondLook)}", FailoverSecondLook) is { } secondLook)
            yield return secondLook;
    }
}
