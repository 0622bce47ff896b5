using TransportGuard.Configuration;

namespace TransportGuard.Dedup;

/// <summary>Duplicate detection (configuration section "Dedup"; docs/dedup.md).</summary>
internal sealed class DedupOptions : IValidatable
{
    public const string Section = "Dedup";

    /// <summary>Off turns both the receive check and the delivery check off (a node that must never suppress).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>How long a delivery is remembered: longer than the longest redelivery path (a shadow held for
    /// ShadowMessageAutoDiscardInterval, a queue lifetime of 5 days, a Safety Net hold of 2 days).</summary>
    public TimeSpan Window { get; set; } = TimeSpan.FromDays(7);

    /// <summary>A StackExchange.Redis configuration string ("127.0.0.1:6379", "garnet:6379,password=..."): the store
    /// shared by every node delivering to the same mailboxes. Empty: the local store only.</summary>
    public string? Redis { get; set; }

    /// <summary>The longest wait for the shared store on a delivery's path before the local store answers alone
    /// (a round trip is a fraction of a millisecond; a loaded 2-core machine showed pauses of half a second).</summary>
    public TimeSpan SharedTimeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Memory for the local store's index and its in-memory log pages (FASTER); older entries stay on disk.</summary>
    public long LocalMemoryBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>Entries recorded locally while the shared store was unreachable, pushed to it when it returns; past
    /// this many the oldest are dropped from the resync (counted), never from the local store.</summary>
    public int ResyncCapacity { get; set; } = 100_000;

    public IEnumerable<string> Validate()
    {
        if (Check.Positive($"{Section}:{nameof(Window)}", Window) is { } window)
            yield return window;
        if (Check.Positive($"{Section}:{nameof(SharedTimeout)}", SharedTimeout) is { } timeout)
            yield return timeout;
        if (Check.Range($"{Section}:{nameof(LocalMemoryBytes)}", LocalMemoryBytes, 1L << 20, 1L << 40) is { } memory)
            yield return memory;
        if (Check.Range($"{Section}:{nameof(ResyncCapacity)}", ResyncCapacity, 0, 10_000_000) is { } capacity)
            yield return capacity;
    }
}
