using System.Text.Json;
using TransportGuard.Smtp;

namespace TransportGuard.Spool;

internal sealed record SpooledRecipient(string Address, string Parameters);

/// <summary>Marks a delivery status notification: which message and which of its failed recipients it reports, so
/// that recovery knows those are reported even if the crash came before the original was finished.</summary>
internal sealed record BounceOf(string QueueId, IReadOnlyList<string> Recipients);

/// <summary>A Safety Net resubmission (docs/safetynet.md): the request that made this copy, the queue id it was
/// delivered as, and the route it must go by instead of its recipients' own (an operator's resubmit-to).</summary>
internal sealed record ResubmitRef(string RequestId, string OriginalQueueId, string? Route = null);

/// <summary>A shadow: our copy of a message that <paramref name="Primary"/> holds as <paramref name="PrimaryQueueId"/>
/// and is responsible for delivering (docs/protocol.md).</summary>
internal sealed record ShadowRef(string Primary, string PrimaryQueueId, DateTimeOffset Since);

/// <summary>
/// A message as the spool knows it: the SMTP envelope plus where its content lies in the log (chunk addresses
/// in order), its length and its SHA-256, so that any copy can be checked before it is delivered.
/// </summary>
internal sealed record SpooledEnvelope(
    string QueueId,
    string ReversePath,
    IReadOnlyList<SpooledRecipient> Recipients,
    string MailParameters,
    string ClientAddress,
    string HeloName,
    bool Secure,
    DateTimeOffset ReceivedAt,
    IReadOnlyList<long> Chunks,
    long Length,
    string Sha256,
    BounceOf? Bounce = null,
    string? ShadowHolder = null,
    ShadowRef? ShadowOf = null,
    ShadowRef? TakenOverFrom = null,
    ContentIdentity? Identity = null,
    ResubmitRef? Resubmit = null)
{
    public static SpooledEnvelope From(MessageEnvelope envelope, string queueId, IReadOnlyList<long> chunks, long length, string sha256,
        ContentIdentity identity) =>
        new(queueId, envelope.ReversePath,
            [.. envelope.Recipients.Select(r => new SpooledRecipient(r.Address, r.Parameters.ToWire().Trim()))],
            envelope.MailParameters.ToWire().Trim(), envelope.ClientAddress, envelope.HeloName, envelope.Secure,
            envelope.ReceivedAt, chunks, length, sha256, Identity: identity);

    public byte[] ToRecord() => SpoolRecord.Build(SpoolRecordKind.Envelope, QueueId, JsonSerializer.SerializeToUtf8Bytes(this, SpoolJson.Default.SpooledEnvelope));

    public static SpooledEnvelope FromRecord(ReadOnlySpan<byte> record) =>
        JsonSerializer.Deserialize(record[SpoolRecord.HeaderLength..], SpoolJson.Default.SpooledEnvelope)
        ?? throw new InvalidDataException("empty envelope record");
}
