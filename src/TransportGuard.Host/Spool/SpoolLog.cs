using FASTER.core;

namespace TransportGuard.Spool;

/// <summary>
/// The FasterLog under the spool, with the settings durability needs: per-entry checksums (a torn or flipped entry
/// is detected, never delivered) and the log and commit directories fsynced after a commit creates files in them
/// (FASTER opens files O_SYNC but never syncs a directory; docs/spool.md). The duplicate store's journal is one too,
/// with its own <see cref="SpoolLogShape"/> (docs/dedup.md).
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
        : this(directory, SpoolLogShape.Spool(memorySizeBits), readOnly)
    {
    }

    public SpoolLog(string directory, SpoolLogShape shape, bool readOnly = false)
    {
        if (readOnly && !System.IO.Directory.Exists(directory))
            throw new DirectoryNotFoundException($"no spool at {directory}");
        Directory = System.IO.Directory.CreateDirectory(directory).FullName;
        CommitDirectory = System.IO.Directory.CreateDirectory(Path.Combine(Directory, "commits")).FullName;
        // FASTER writes its commit files one level down, in "log-commits": that is the directory to fsync.
        CommitFileDirectory = System.IO.Directory.CreateDirectory(Path.Combine(CommitDirectory, "log-commits")).FullName;
        ReadOnly = readOnly;
        Shape = shape;
        LogFile = Path.Combine(Directory, shape.FileName);
        _device = Devices.CreateLogDevice(LogFile, preallocateFile: false, deleteOnClose: false, recoverDevice: true);
        Log = new FasterLog(new FasterLogSettings
        {
            LogDevice = _device,
            PageSizeBits = shape.PageSizeBits,
            MemorySizeBits = shape.MemorySizeBits,
            SegmentSizeBits = shape.SegmentSizeBits,
            LogCommitDir = CommitDirectory,
            LogChecksum = LogChecksumType.PerEntry,
            RemoveOutdatedCommits = !readOnly && shape.KeptCommits == 0,
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
    public SpoolLogShape Shape { get; }

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
        if (Shape.KeptCommits > 0)
            CheckAndPruneCommits();
        DirectorySync.Fsync(CommitFileDirectory);
        var segment = Log.CommittedUntilAddress >> Shape.SegmentSizeBits;
        if (segment != _syncedSegment)
        {
            DirectorySync.Fsync(Directory);
            _syncedSegment = segment;
        }
    }

    /// <summary>
    /// FASTER 2.6.5 only logs a failed write of a commit file, reports the commit done, and (with
    /// RemoveOutdatedCommits) deletes the previous commit file: on a full disk that left one empty commit file and a
    /// log that recovered empty (tried). So with <see cref="SpoolLogShape.KeptCommits"/> the newest commit file must
    /// hold something, or the commit failed; and older ones are deleted here, keeping a few to recover from.
    /// </summary>
    private void CheckAndPruneCommits()
    {
        var commits = System.IO.Directory.GetFiles(CommitFileDirectory, "commit.*")
            .Select(path => (Path: path, Number: long.TryParse(Path.GetFileName(path).Split('.')[1], out var n) ? n : -1))
            .Where(c => c.Number >= 0).OrderByDescending(c => c.Number).ToList();
        if (commits.Count == 0 || new FileInfo(commits[0].Path).Length == 0)
            throw new IOException($"the commit file for {Log.CommittedUntilAddress} in {CommitFileDirectory} was not written");
        foreach (var (path, _) in commits.Skip(Shape.KeptCommits))
            File.Delete(path);
    }

    public void Dispose()
    {
        Log.Dispose();
        _device.Dispose();
    }
}

/// <summary>A log's file name and sizes (each a power of two): the spool's, or the duplicate store's journal, whose
/// records are small and whose head is truncated at every checkpoint (docs/dedup.md).</summary>
/// <param name="KeptCommits">0: FASTER deletes the previous commit file after each commit; more: the newest commit
/// file is checked and this many kept (see <see cref="SpoolLog"/>); only for a log committed from one loop.</param>
internal readonly record struct SpoolLogShape(string FileName, int PageSizeBits, int SegmentSizeBits, int MemorySizeBits, int KeptCommits = 0)
{
    /// <summary>The spool lets FASTER prune its commit files: it commits from two loops (group commit, maintenance),
    /// and the check after each commit raced with the other's file (docs/spool.md, Durability).</summary>
    public static SpoolLogShape Spool(int memorySizeBits) => new("spool.log", SpoolLog.PageSizeBits, SpoolLog.SegmentSizeBits, memorySizeBits);
}
