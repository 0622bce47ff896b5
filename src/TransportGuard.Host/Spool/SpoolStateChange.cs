using System.Text.Json;

namespace TransportGuard.Spool;

internal enum SpoolState
{
    /// <summary>Nothing left to do for the message (delivered, bounced, expired or deleted): its space can be reclaimed.</summary>
    Finished = 1,
    /// <summary>Queue progress: the schedule and hold flag as of <see cref="SpoolStateChange.Revision"/>, plus outcomes.</summary>
    Progress = 2,
}

/// <summary>
/// A queue state change record. Written to the log before it is acted on (docs/architecture.md). A Progress record
/// carries the scalar state in full and the recipient outcomes new since the previous record (merged by union).
/// </summary>
internal sealed record SpoolStateChange(
    string QueueId,
    SpoolState State,
    string Reason,
    long Revision = 0,
    int Attempts = 0,
    DateTimeOffset? NextAttemptAt = null,
    bool Held = false,
    IReadOnlyList<RecipientOutcome>? Outcomes = null,
    IReadOnlyList<string>? Reported = null,
    ShadowRef? Shadow = null,
    bool AwaitingDiscard = false,
    string? Holder = null,
    bool Retained = false)
{
    /// <summary>The end of a queue id; with deliveries of our own, it is kept for the Safety Net (docs/safetynet.md)
    /// and the record names them: no other record is written to retain a message.</summary>
    public static SpoolStateChange Finish(string queueId, string reason, IReadOnlyList<RecipientOutcome> retained) =>
        retained.Count == 0
            ? new(queueId, SpoolState.Finished, reason)
            : new(queueId, SpoolState.Finished, reason, Outcomes: retained, Retained: true);

    public static SpoolStateChange Of(string queueId, MessageProgress progress, IEnumerable<RecipientOutcome> outcomes, IEnumerable<string> reported, string reason) =>
        new(queueId, SpoolState.Progress, reason, progress.Revision, progress.Attempts, progress.NextAttemptAt, progress.Held,
            [.. outcomes], [.. reported], progress.Shadow, progress.AwaitingDiscard, progress.Holder);

    public MessageProgress ToProgress() =>
        MessageProgress.Initial.WithOutcomes(Outcomes ?? []) with
        {
            Revision = Revision,
            Attempts = Attempts,
            NextAttemptAt = NextAttemptAt,
            Held = Held,
            Shadow = Shadow,
            AwaitingDiscard = AwaitingDiscard,
            Holder = Holder,
            Reported = MessageProgress.Initial.Reported.Union(Reported ?? []),
        };

    public byte[] ToRecord() => SpoolRecord.Build(SpoolRecordKind.State, QueueId, JsonSerializer.SerializeToUtf8Bytes(this, SpoolJson.Default.SpoolStateChange));

    public static SpoolStateChange FromRecord(ReadOnlySpan<byte> record) =>
        JsonSerializer.Deserialize(record[SpoolRecord.HeaderLength..], SpoolJson.Default.SpoolStateChange) ?? throw new InvalidDataException("empty state record");
}
