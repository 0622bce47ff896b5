using FASTER.core;

namespace TransportGuard.Spool;

/// <summary>
/// The FasterLog under the spool, with the settings durability needs: per-entry checksums (a torn or flipped entry
/// is detected, never delivered) and the log and commit directories fsynced after a commit creates files in them
/// (FASTER opens files O_SYNC but never syncs a directory; DESIGN.md section 2).
/// </summary>
public sealed class SpoolLog : IDisposable
{
    /// <summary>One page holds the largest record; 4 MiB pages leave room for 64 KiB chunks with any header.</summary>
    public const int PageSizeBits = 22;
    public const int SegmentSizeBits = 28; // 256 MiB files: the unit in which truncation frees disk
    private readonly IDevice _device;
    private long _syncedSegment = -1;

    public SpoolLog(string directory, int memorySizeBits = 25)
    {
        Directory = System.IO.Directory.CreateDirectory(directory).FullName;
        CommitDirectory = System.IO.Directory.CreateDirectory(Path.Combine(Directory, "commits")).FullName;
        _device = Devices.CreateLogDevice(Path.Combine(Directory, "spool.log"), preallocateFile: false, deleteOnClose: false, recoverDevice: true);
        Log = new FasterLog(new FasterLogSettings
        {
            LogDevice = _device,
            PageSizeBits = PageSizeBits,
            MemorySizeBits = memorySizeBits,
            SegmentSizeBits = SegmentSizeBits,
            LogCommitDir = CommitDirectory,
            LogChecksum = LogChecksumType.PerEntry,
            RemoveOutdatedCommits = true,
            TryRecoverLatest = true,
        });
    }

    public string Directory { get; }
    public string CommitDirectory { get; }
    public FasterLog Log { get; }

    /// <summary>The largest record that fits in a page, with room for FasterLog's entry header and checksum.</summary>
    public static int MaxRecordLength => (1 << PageSizeBits) - 64;

    /// <summary>Commits everything enqueued so far and makes the files it created durable.</summary>
    public async ValueTask CommitAsync(CancellationToken cancellationToken)
    {
        await Log.CommitAsync(cancellationToken);
        DirectorySync.Fsync(CommitDirectory);
        var segment = Log.CommittedUntilAddress >> SegmentSizeBits;
        if (segment != _syncedSegment)
        {
            DirectorySync.Fsync(Directory);
            _syncedSegment = segment;
        }
    }

    public void Dispose()
    {
        Log.Dispose();
        _device.Dispose();
    }
}
