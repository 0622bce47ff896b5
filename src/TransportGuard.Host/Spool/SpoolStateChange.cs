using System.Text.Json;

namespace TransportGuard.Spool;

public enum SpoolState
{
    /// <summary>Nothing left to do for the message (delivered, bounced, expired or deleted): its space can be reclaimed.</summary>
    Finished = 1,
}

/// <summary>A queue state change record. Written to the log before it is acted on (DESIGN.md section 1).</summary>
public sealed record SpoolStateChange(string QueueId, SpoolState State, string Reason)
{
    public byte[] ToRecord() => SpoolRecord.Build(SpoolRecordKind.State, QueueId, JsonSerializer.SerializeToUtf8Bytes(this, SpoolJson.Default.SpoolStateChange));

    public static SpoolStateChange FromRecord(ReadOnlySpan<byte> record) =>
        JsonSerializer.Deserialize(record[SpoolRecord.HeaderLength..], SpoolJson.Default.SpoolStateChange) ?? throw new InvalidDataException("empty state record");
}
