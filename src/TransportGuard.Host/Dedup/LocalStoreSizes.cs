using System.Numerics;
using TransportGuard.Spool;

namespace TransportGuard.Dedup;

/// <summary>
/// How <see cref="DedupOptions.LocalMemoryBytes"/> is shared out (docs/dedup.md), every part a power of two as FASTER
/// wants: a sixteenth (256 KiB to 4 MiB) for the journal's buffer, a quarter for the hash index (64 bytes a bucket of
/// seven keys; past that FASTER adds overflow buckets, beyond the budget), the rest, rounded down, for the records in
/// memory (16 pages); older records are on disk. Hybrid-log segments are as large as that memory: the unit in which
/// reclaiming expired entries frees disk.
/// </summary>
internal readonly record struct LocalStoreSizes(SpoolLogShape Journal, long IndexBytes, int LogPageBits, int LogMemoryBits, int LogSegmentBits)
{
    public static LocalStoreSizes For(long budget)
    {
        var journalMemory = Math.Clamp(FloorLog2(budget / 16), 18, 22);
        var index = Math.Clamp(FloorLog2(budget / 4), 16, 36);
        var logMemory = Math.Max(FloorLog2(budget - (1L << journalMemory) - (1L << index)), 19);
        // Journal segments stay small: everything before the last checkpoint is truncated, and only whole ones go.
        // Four commit files kept: a commit whose file could not be written falls back to the one before.
        var journal = new SpoolLogShape("journal.log", journalMemory - 2, 24, journalMemory, KeptCommits: 4);
        return new(journal, 1L << index, Math.Clamp(logMemory - 4, 12, 22), logMemory, Math.Clamp(logMemory, 20, 30));
    }

    /// <summary>The largest journal entry: a page, less FasterLog's header and checksum.</summary>
    public int MaxJournalEntry => (1 << Journal.PageSizeBits) - 64;

    private static int FloorLog2(long value) => value <= 1 ? 0 : BitOperations.Log2((ulong)value);
}
