using Microsoft.Extensions.Options;

namespace TransportGuard.Spool;

/// <summary>
/// Keeps the spool from filling its disk: reports whether a message of a given size may be taken while leaving the
/// configured floor free. Measured at most once per interval; the answer turns back to yes by itself once space
/// returns.
/// </summary>
public sealed class DiskSpaceGuard(IOptions<SpoolOptions> options, TimeProvider time)
{
    private readonly SpoolOptions _options = options.Value;
    private long _free = long.MaxValue;
    private DateTimeOffset _measuredAt = DateTimeOffset.MinValue;

    public long FreeBytes
    {
        get
        {
            var now = time.GetUtcNow();
            if (now - _measuredAt >= _options.FreeSpaceCheckInterval)
            {
                _free = Measure(_options.SpoolDirectory);
                _measuredAt = now;
            }
            return _free;
        }
    }

    public bool HasRoomFor(long size) => FreeBytes - Math.Max(0, size) >= _options.MinimumFreeBytes;

    /// <summary>Free space of the filesystem holding <paramref name="path"/>: the mount with the longest matching root.</summary>
    public static long Measure(string path)
    {
        var full = Path.GetFullPath(path);
        var drive = DriveInfo.GetDrives()
            .Where(d => d.IsReady && full.StartsWith(d.RootDirectory.FullName, StringComparison.Ordinal))
            .MaxBy(d => d.RootDirectory.FullName.Length);
        return drive?.AvailableFreeSpace ?? long.MaxValue;
    }
}
