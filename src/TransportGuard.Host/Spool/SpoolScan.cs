using System.Buffers;
using System.Buffers.Binary;
using FASTER.core;

namespace TransportGuard.Spool;

/// <summary>
/// Walks the committed log record by record. When a record's checksum fails, FasterLog's iterator throws and then
/// only steps over the entry header, reading the damaged payload as if it held records and losing the good record
/// after it. So on a failure we find the damaged entry's end ourselves, from its length field in the segment file,
/// and scan on from there: one flipped bit costs one record, not its neighbours. (A damaged length field makes us
/// skip to the next page start, the one boundary that is always a record's.)
/// </summary>
internal static class SpoolScan
{
    /// <summary>FasterLog's entry header with per-entry checksums: an 8-byte checksum, then a 4-byte length.</summary>
    public const int EntryHeaderLength = 12;

    public readonly record struct Entry(long Address, IMemoryOwner<byte>? Owner, int Length)
    {
        /// <summary>Empty for a record whose checksum failed.</summary>
        public ReadOnlySpan<byte> Record => Owner is null ? default : Owner.Memory.Span[..Length];
        public bool Unreadable => Owner is null;
    }

    /// <summary>Each entry's memory goes back to the pool when the caller moves to the next one.</summary>
    public static IEnumerable<Entry> Committed(SpoolLog spoolLog)
    {
        var log = spoolLog.Log;
        var start = log.BeginAddress;
        var end = log.CommittedUntilAddress;
        while (start < end)
        {
            var resume = -1L;
            using (var iterator = log.Scan(start, end))
            {
                while (true)
                {
                    IMemoryOwner<byte>? owner = null;
                    int length = 0;
                    long address;
                    try
                    {
                        if (!iterator.GetNext(MemoryPool<byte>.Shared, out owner, out length, out address, out _))
                            break;
                    }
                    catch (FasterException)
                    {
                        address = iterator.NextAddress - EntryHeaderLength;
                        resume = NextEntryAfter(spoolLog, address);
                    }
                    try
                    {
                        yield return new Entry(address, owner, length);
                    }
                    finally
                    {
                        owner?.Dispose();
                    }
                    if (resume >= 0)
                        break;
                }
            }
            if (resume < 0)
                yield break;
            start = resume;
        }
    }

    /// <summary>The address after the entry at <paramref name="address"/>, from its length field on disk.</summary>
    private static long NextEntryAfter(SpoolLog spoolLog, long address)
    {
        var pageSize = 1L << spoolLog.Shape.PageSizeBits;
        var nextPage = (address / pageSize + 1) * pageSize;
        var segment = address >> spoolLog.Shape.SegmentSizeBits;
        var offset = address & ((1L << spoolLog.Shape.SegmentSizeBits) - 1);
        Span<byte> header = stackalloc byte[4];
        try
        {
            using var file = new FileStream($"{spoolLog.LogFile}.{segment}", FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            file.Position = offset + 8; // the checksum comes first, then the length
            file.ReadExactly(header);
        }
        catch (IOException)
        {
            return nextPage;
        }
        var length = BinaryPrimitives.ReadInt32LittleEndian(header);
        var next = address + EntryHeaderLength + ((length + 3L) & ~3L); // FasterLog aligns entries to 4 bytes
        return length <= 0 || next > nextPage ? nextPage : next;
    }
}
