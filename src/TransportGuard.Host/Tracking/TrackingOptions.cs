using TransportGuard.Configuration;

namespace TransportGuard.Tracking;

/// <summary>Message tracking (configuration section "Tracking"; docs/tracking.md).</summary>
internal sealed class TrackingOptions : IValidatable
{
    public const string Section = "Tracking";

    /// <summary>Off records nothing (what is on disk is still answered for, and deleted when it is old).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>How long a finished message stays traceable: the Safety Net's hold time (Exchange's
    /// SafetyNetHoldTime, 2 days), so that any message the Safety Net can resubmit can also be traced.</summary>
    public TimeSpan HoldTime { get; set; } = TimeSpan.FromDays(2);

    /// <summary>Events waiting for the writer; past this many, new ones are dropped (counted) rather than make a
    /// session or a delivery wait. A second of a busy node's events fits many times over.</summary>
    public int QueueCapacity { get; set; } = 50_000;

    public IEnumerable<string> Validate()
    {
        if (Check.Positive($"{Section}:{nameof(HoldTime)}", HoldTime) is { } hold)
            yield return hold;
        if (Check.Range($"{Section}:{nameof(QueueCapacity)}", QueueCapacity, 1, 10_000_000) is { } capacity)
            yield return capacity;
    }
}
