using Microsoft.Extensions.Options;

namespace TransportGuard.Spool;

/// <summary>
/// Keeps the spool from filling its disk: reports whether a message of a given size may be taken while leaving the
/// configured floor free. Measured at most once per interval; the answer turns back to yes by itself once space
/// returns.
/// </summary>
internal sealed class DiskSpaceGuard(IOptions<SpoolOptions> options, TimeProvider time)
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

    /// <summary>Like <see cref="HasRoomFor"/>, measured now: for a decision that must not rest on a reading taken
    /// before the disk filled (the restart after a failed commit would go straight into a full disk).</summary>
    public bool HasRoomNowFor(long size)
    {
        _measuredAt = DateTimeOffset.MinValue;
        return HasRoomFor(size);
    }

    /// <summary>Free space of the filesystem holding <paramref name="path"/>: the mount with the longest matching root.
    /// Only that mount is queried: another mount vanishing meanwhile (an unmount elsewhere) must not fail the check.</summary>
    public static long Measure(string path)
    {
        var full = Path.GetFullPath(path);
        try
        {
            var drive = DriveInfo.GetDrives()
                .Where(d => full.StartsWith(d.Name, StringComparison.Ordinal))
                .MaxBy(d => d.Name.Length);
            return drive?.AvailableFreeSpace ?? long.MaxValue;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return long.MaxValue; // unmeasurable: the commit path still refuses with 451 if the disk is really full
        }
    }
}
