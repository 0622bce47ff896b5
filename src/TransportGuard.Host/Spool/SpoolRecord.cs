using System.Buffers.Binary;
using System.Text;

namespace TransportGuard.Spool;

internal enum SpoolRecordKind : byte
{
    /// <summary>A slice of a message's content, in order.</summary>
    Chunk = 1,
    /// <summary>The envelope: written last, so its commit is what makes a message exist (docs/spool.md).</summary>
    Envelope = 2,
    /// <summary>A queue state change of a message already in the spool.</summary>
    State = 3,
}

/// <summary>
/// The header every spool record starts with: kind, format version and the 15-character queue id. FasterLog adds
/// its own length and per-entry checksum around it.
/// </summary>
internal static class SpoolRecord
{
    public const byte FormatVersion = 1;
    public const int QueueIdLength = 15;
    public const int HeaderLength = 2 + QueueIdLength;
    public const int ChunkHeaderLength = HeaderLength + 4;

    public static void WriteHeader(Span<byte> destination, SpoolRecordKind kind, string queueId)
    {
        if (queueId.Length != QueueIdLength || !Ascii.IsValid(queueId))
            throw new ArgumentException($"queue id must be {QueueIdLength} ASCII characters", nameof(queueId));
        destination[0] = (byte)kind;
        destination[1] = FormatVersion;
        Encoding.ASCII.GetBytes(queueId, destination[2..HeaderLength]);
    }

    public static byte[] Build(SpoolRecordKind kind, string queueId, ReadOnlySpan<byte> payload)
    {
        var record = new byte[HeaderLength + payload.Length];
        WriteHeader(record, kind, queueId);
        payload.CopyTo(record.AsSpan(HeaderLength));
        return record;
    }

    public static byte[] BuildChunk(string queueId, int sequence, ReadOnlySpan<byte> content)
    {
        var record = new byte[ChunkHeaderLength + content.Length];
        WriteHeader(record, SpoolRecordKind.Chunk, queueId);
        BinaryPrimitives.WriteInt32LittleEndian(record.AsSpan(HeaderLength), sequence);
        content.CopyTo(record.AsSpan(ChunkHeaderLength));
        return record;
    }

    /// <summary>Reads a record header; false for anything this version cannot read (never guessed at).</summary>
    public static bool TryReadHeader(ReadOnlySpan<byte> record, out SpoolRecordKind kind, out string queueId)
    {
        kind = default;
        queueId = "";
        if (record.Length < HeaderLength || record[1] != FormatVersion || !Enum.IsDefined((SpoolRecordKind)record[0]))
            return false;
        kind = (SpoolRecordKind)record[0];
        queueId = Encoding.ASCII.GetString(record[2..HeaderLength]);
        return true;
    }

    public static ReadOnlySpan<byte> ChunkContent(ReadOnlySpan<byte> record, out int sequence)
    {
        sequence = BinaryPrimitives.ReadInt32LittleEndian(record[HeaderLength..]);
        return record[ChunkHeaderLength..];
    }
}
