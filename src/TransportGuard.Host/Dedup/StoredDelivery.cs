using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Unicode;
using FASTER.core;

namespace TransportGuard.Dedup;

/// <summary>
/// A <see cref="DeliveredEntry"/> as the local store keeps it (docs/dedup.md): a fixed 128-byte unmanaged value, so
/// FASTER stores records inline (16-byte key, 8-byte record header): when, and "node queueid" in UTF-8, cut at a
/// character boundary if longer than <see cref="TextCapacity"/> bytes (it only names the original in a log line).
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal struct StoredDelivery
{
    public const int TextCapacity = 119;

    /// <summary>UTC ticks of <see cref="DeliveredEntry.At"/>: what expiry compares.</summary>
    public long AtTicks;
    public byte TextLength;
    public TextBuffer Text;

    [InlineArray(TextCapacity)]
    internal struct TextBuffer
    {
        private byte _element;
    }

    public static StoredDelivery From(DeliveredEntry entry)
    {
        var stored = new StoredDelivery { AtTicks = entry.At.UtcTicks };
        // Stops before a character that does not fit whole, so a cut never leaves half a UTF-8 sequence.
        Utf8.FromUtf16($"{entry.Node} {entry.QueueId}", stored.Text, out _, out var written);
        stored.TextLength = (byte)written;
        return stored;
    }

    public readonly DeliveredEntry ToEntry()
    {
        var text = Encoding.UTF8.GetString(((ReadOnlySpan<byte>)Text)[..TextLength]);
        var space = text.IndexOf(' ', StringComparison.Ordinal);
        return new DeliveredEntry(space < 0 ? text : text[..space], space < 0 ? "" : text[(space + 1)..],
            new DateTimeOffset(AtTicks, TimeSpan.Zero));
    }

    public readonly bool ExpiredBefore(long cutoffTicks) => AtTicks < cutoffTicks;

    /// <summary>One record in a journal entry: key (16), ticks (8), text length (1), text.</summary>
    public const int JournalHeaderLength = 25;

    public readonly int JournalLength => JournalHeaderLength + TextLength;

    public readonly void WriteJournal(DeliveryKey key, Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(destination, key.High);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[8..], key.Low);
        BinaryPrimitives.WriteInt64LittleEndian(destination[16..], AtTicks);
        destination[24] = TextLength;
        ((ReadOnlySpan<byte>)Text)[..TextLength].CopyTo(destination[JournalHeaderLength..]);
    }

    /// <summary>Reads one record written by <see cref="WriteJournal"/>; false when what is left is not a whole one.</summary>
    public static bool TryReadJournal(ref ReadOnlySpan<byte> source, out DeliveryKey key, out StoredDelivery stored)
    {
        key = default;
        stored = default;
        if (source.Length < JournalHeaderLength || source[24] > TextCapacity || source.Length < JournalHeaderLength + source[24])
            return false;
        key = new DeliveryKey(BinaryPrimitives.ReadUInt64LittleEndian(source), BinaryPrimitives.ReadUInt64LittleEndian(source[8..]));
        stored.AtTicks = BinaryPrimitives.ReadInt64LittleEndian(source[16..]);
        stored.TextLength = source[24];
        source.Slice(JournalHeaderLength, stored.TextLength).CopyTo(stored.Text);
        source = source[(JournalHeaderLength + stored.TextLength)..];
        return true;
    }
}

/// <summary>The key is already a SHA-256 prefix: any 64 bits of it hash well.</summary>
internal sealed class DeliveryKeyComparer : IFasterEqualityComparer<DeliveryKey>
{
    public long GetHashCode64(ref DeliveryKey k) => (long)(k.High ^ (k.Low * 0x9E3779B97F4A7C15UL));

    public bool Equals(ref DeliveryKey k1, ref DeliveryKey k2) => k1 == k2;
}

/// <summary>What an RMW writes: the new entry, and before which time an entry already there counts as expired.</summary>
internal readonly record struct RecordInput(StoredDelivery Entry, long ExpiredBeforeTicks);

/// <summary>
/// Reads copy the value out. Recording is an RMW that keeps the first entry: an unexpired one stays as it is (no
/// copy, even from disk), an expired one is replaced, an absent one is created (docs/dedup.md).
/// </summary>
internal sealed class DeliveryFunctions : FunctionsBase<DeliveryKey, StoredDelivery, RecordInput, StoredDelivery, int>
{
    public override bool SingleReader(ref DeliveryKey key, ref RecordInput input, ref StoredDelivery value, ref StoredDelivery dst, ref ReadInfo readInfo)
    {
        dst = value;
        return true;
    }

    public override bool ConcurrentReader(ref DeliveryKey key, ref RecordInput input, ref StoredDelivery value, ref StoredDelivery dst, ref ReadInfo readInfo)
    {
        dst = value;
        return true;
    }

    public override bool InitialUpdater(ref DeliveryKey key, ref RecordInput input, ref StoredDelivery value, ref StoredDelivery output, ref RMWInfo rmwInfo)
    {
        value = input.Entry;
        return true;
    }

    public override bool InPlaceUpdater(ref DeliveryKey key, ref RecordInput input, ref StoredDelivery value, ref StoredDelivery output, ref RMWInfo rmwInfo)
    {
        if (value.ExpiredBefore(input.ExpiredBeforeTicks))
            value = input.Entry;
        return true;
    }

    public override bool NeedCopyUpdate(ref DeliveryKey key, ref RecordInput input, ref StoredDelivery oldValue, ref StoredDelivery output, ref RMWInfo rmwInfo) =>
        oldValue.ExpiredBefore(input.ExpiredBeforeTicks);

    public override bool CopyUpdater(ref DeliveryKey key, ref RecordInput input, ref StoredDelivery oldValue, ref StoredDelivery newValue, ref StoredDelivery output, ref RMWInfo rmwInfo)
    {
        newValue = input.Entry;
        return true;
    }
}

/// <summary>Compaction drops what has expired; what is still live is copied to the tail.</summary>
internal readonly struct ExpiredDeliveries(long expiredBeforeTicks) : ICompactionFunctions<DeliveryKey, StoredDelivery>
{
    public bool IsDeleted(ref DeliveryKey key, ref StoredDelivery value) => value.ExpiredBefore(expiredBeforeTicks);
}
