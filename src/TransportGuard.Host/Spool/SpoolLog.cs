using FASTER.core;

namespace TransportGuard.Spool;

/// <summary>
/// The FasterLog under the spool, with the settings durability needs: per-entry checksums (a torn or flipped entry
/// is detected, never delivered) and the log and commit directories fsynced after a commit creates files in them
/// (FASTER opens files O_SYNC but never syncs a directory; docs/spool.md).
/// </summary>
internal sealed class SpoolLog : IDisposable
{
    /// <summary>One page holds the largest record; 4 MiB pages leave room for 64 KiB chunks with any header.</summary>
    public const int PageSizeBits = 22;
    public const int SegmentSizeBits = 28; // 256 MiB files: the unit in which truncation frees disk
    private readonly IDevice _device;
    private long _syncedSegment = -1;

    /// <param name="readOnly">Open without writing, as a viewer (the offline inspection tool, possibly beside a
    /// running gateway): the log is recovered to its last commit and never committed to.</param>
    public SpoolLog(string directory, bool readOnly = false, int memorySizeBits = 25)
    {
        if (readOnly && !System.IO.Directory.Exists(directory))
            throw new DirectoryNotFoundException($"no spool at {directory}");
        Directory = System.IO.Directory.CreateDirectory(directory).FullName;
        CommitDirectory = System.IO.Directory.CreateDirectory(Path.Combine(Directory, "commits")).FullName;
        // FASTER writes its commit files one level down, in "log-commits": that is the directory to fsync.
        CommitFileDirectory = System.IO.Directory.CreateDirectory(Path.Combine(CommitDirectory, "log-commits")).FullName;
        ReadOnly = readOnly;
        LogFile = Path.Combine(Directory, "spool.log");
        _device = Devices.CreateLogDevice(LogFile, preallocateFile: false, deleteOnClose: false, recoverDevice: true);
        Log = new FasterLog(new FasterLogSettings
        {
            LogDevice = _device,
            PageSizeBits = PageSizeBits,
            MemorySizeBits = memorySizeBits,
            SegmentSizeBits = SegmentSizeBits,
            LogCommitDir = CommitDirectory,
            LogChecksum = LogChecksumType.PerEntry,
            RemoveOutdatedCommits = !readOnly,
            TryRecoverLatest = !readOnly,
            ReadOnlyMode = readOnly,
            // Not TolerateDeviceFailure: with it, commits after a failed one report success while records of the
            // failed range may be missing (tried: an acknowledged message was lost after ENOSPC). A failed log stays
            // failed until the gateway restarts and recovers to its last good commit.
            TolerateDeviceFailure = false,
        });
        if (readOnly)
            Log.RecoverReadOnly();
    }

    public bool ReadOnly { get; }

    public string Directory { get; }
    public string CommitDirectory { get; }
    public string CommitFileDirectory { get; }

    /// <summary>The segment files are this path plus ".0", ".1", ... (FASTER's naming).</summary>
    public string LogFile { get; }
    public FasterLog Log { get; }

    /// <summary>The largest record that fits in a page, with room for FasterLog's entry header and checksum.</summary>
    public static int MaxRecordLength => (1 << PageSizeBits) - 64;

    /// <summary>Commits everything enqueued so far and makes the files it created durable.</summary>
    public async ValueTask CommitAsync(CancellationToken cancellationToken)
    {
        if (ReadOnly)
            throw new InvalidOperationException("the spool was opened read-only");
        await Log.CommitAsync(cancellationToken);
        DirectorySync.Fsync(CommitFileDirectory);
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
