using TransportGuard.Delivery;
using TransportGuard.Spool;

namespace TransportGuard.Queue;

internal sealed partial class DeliveryAttempt
{
    /// <summary>
    /// After an attempt (or at start, or after an admin action): failures nobody has reported yet go back to the
    /// sender in one delivery status notification; a message with every recipient settled has reached its end.
    /// Returns the progress to schedule the rest by, or null when the message has ended.
    /// </summary>
    /// <param name="results">The attempt that settled it, if one did: a keeper reads what the next hops said.</param>
    public async Task<MessageProgress?> SettleAsync(SpooledMessage message, MessageProgress progress, IReadOnlyList<RecipientResult>? results = null)
    {
        var envelope = message.Envelope;
        var unreported = progress.Unreported.ToList();
        if (unreported.Count > 0)
        {
            // Never a report for a null sender: that is how bounce loops are stopped (RFC 5321 6.1, RFC 3464 2).
            if (envelope.ReversePath.Length == 0)
                LogNoBounceForNullSender(envelope.QueueId, unreported.Count);
            // A resubmitted copy never bounces (Exchange suppresses NDRs on Safety Net resubmits): the sender had
            // its outcome from the original delivery (docs/safetynet.md).
            else if (envelope.Resubmit is { } resubmit)
                LogNoBounceForResubmit(envelope.QueueId, unreported.Count, resubmit.RequestId);
            else
                await bounces.SendAsync(envelope, unreported);
            // The report's envelope names what it covers, so this record is for the running index only.
            progress = await store.RecordProgressAsync(envelope.QueueId,
                p => p with { Reported = p.Reported.Union(unreported.Select(o => o.Recipient)) }, "reported") ?? progress;
        }
        if (!envelope.Recipients.All(r => progress.IsDone(r.Address)))
            return progress;
        await EndAsync(message, progress, results ?? [], []);
        return null;
    }

    /// <summary>A drained message was accepted by a peer: it is done here, except that a keeper may still need it
    /// (a holder shadowing it must get its discard notice, or it would take the message over once we are gone).</summary>
    public Task HandedOverAsync(SpooledMessage message, IReadOnlyList<RecipientResult> results) =>
        DeliveredAsync(message, store.Progress(message.Envelope.QueueId), [.. results.Select(r => r with { Primary = null })]);

    /// <summary>An operator deleted the message without a report: it ends here, as any other message ends.</summary>
    public Task DeletedAsync(SpooledMessage message) => EndAsync(message, store.Progress(message.Envelope.QueueId), [], [], "deleted by the administrator");

    /// <summary>Every recipient delivered by this attempt: the outcomes and the end are recorded together.</summary>
    private Task DeliveredAsync(SpooledMessage message, MessageProgress progress, IReadOnlyList<RecipientResult> results)
    {
        var now = time.GetUtcNow();
        return EndAsync(message, progress, results,
            [.. results.Select(r => r.ToOutcome(now))]);
    }

    /// <summary>
    /// The message's terminal outcome, whatever it is (all delivered, partly or wholly failed, expired, deleted,
    /// handed over): usually one Finished record; but a keeper may keep the message in the spool until it releases
    /// it, recorded in one record with <paramref name="outcomes"/> not yet written.
    /// </summary>
    private async Task EndAsync(SpooledMessage message, MessageProgress progress, IReadOnlyList<RecipientResult> results,
        IReadOnlyList<RecipientOutcome> outcomes, string? reason = null)
    {
        var envelope = message.Envelope;
        var keeps = _keepers.Select(k => k.Keep(message, progress, results)).OfType<KeepRequest>().ToList();
        if (keeps.Count == 0)
        {
            await FinishAsync(envelope, progress.WithOutcomes(outcomes), reason);
            return;
        }
        var recorded = await store.RecordProgressAsync(envelope.QueueId,
            p => keeps.Aggregate(p.WithOutcomes(outcomes) with { NextAttemptAt = null }, (kept, keep) => keep.Apply(kept)),
            string.Join("; ", keeps.Select(k => k.Reason)));
        if (recorded is null)
            return;
        foreach (var keep in keeps)
            keep.Kept(recorded);
    }

    private async Task FinishAsync(SpooledEnvelope envelope, MessageProgress progress, string? reason)
    {
        var failed = progress.Outcomes.Values.Count(o => o.Status == RecipientStatus.Failed);
        await store.MarkFinishedAsync(envelope.QueueId, reason ?? (failed == 0 ? "delivered" : $"{failed} recipient(s) failed"), progress.Outcomes.Values);
        _lastError.TryRemove(envelope.QueueId, out _);
        LogFinished(envelope.QueueId, envelope.Recipients.Count - failed, failed);
    }
}
