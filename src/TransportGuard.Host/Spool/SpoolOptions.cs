using TransportGuard.Configuration;

namespace TransportGuard.Spool;

/// <summary>Where the node keeps its data and how much disk it leaves free (configuration section "Spool"; --data).</summary>
internal sealed class SpoolOptions : IValidatable
{
    public const string Section = "Spool";

    /// <summary>The node's data directory; relative paths are taken from the working directory.</summary>
    public string DataDirectory { get; set; } = "data";

    /// <summary>
    /// New mail is refused with 452 4.3.1 while accepting it would leave less than this free on the spool's disk
    /// (Postfix refuses below 1.5 x message_size_limit, about 52 MB by default; we count the declared size on top).
    /// </summary>
    public long MinimumFreeBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>How often free space is measured (a statfs per MAIL would be wasted work).</summary>
    public TimeSpan FreeSpaceCheckInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How often finished records are truncated away and the head of the log compacted.</summary>
    public TimeSpan MaintenanceInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Compaction starts once the log spans more than this and less than half of it is live.</summary>
    public long CompactionThresholdBytes { get; set; } = 512L * 1024 * 1024;

    public string SpoolDirectory => Path.Combine(DataDirectory, "spool");

    public IEnumerable<string> Validate()
    {
        if (string.IsNullOrWhiteSpace(DataDirectory))
            yield return $"{Section}:{nameof(DataDirectory)} must name a directory";
        if (Check.Range($"{Section}:{nameof(MinimumFreeBytes)}", MinimumFreeBytes, 0, long.MaxValue / 2) is { } floor)
            yield return floor;
        if (Check.Positive($"{Section}:{nameof(FreeSpaceCheckInterval)}", FreeSpaceCheckInterval) is { } interval)
            yield return interval;
        if (Check.Positive($"{Section}:{nameof(MaintenanceInterval)}", MaintenanceInterval) is { } maintenance)
            yield return maintenance;
        if (Check.Range($"{Section}:{nameof(CompactionThresholdBytes)}", CompactionThresholdBytes, 0, long.MaxValue / 2) is { } threshold)
            yield return threshold;
    }
}
