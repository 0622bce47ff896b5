using TransportGuard.Delivery;
using TransportGuard.Spool;

namespace TransportGuard.Queue;

internal sealed partial class DeliveryAttempt
{
    /// <summary>
    /// After an attempt (or at start, or after an admin action): failures nobody has reported yet go back to the
    /// sender in one delivery status notification; a message with every recipient settled is finished. Returns the
    /// progress to schedule the rest by, or null when the message is finished.
    /// </summary>
    public async Task<MessageProgress?> SettleAsync(SpooledMessage message, MessageProgress progress)
    {
        var envelope = message.Envelope;
        var unreported = progress.Unreported.ToList();
        if (unreported.Count > 0)
        {
            // Never a report for a null sender: that is how bounce loops are stopped (RFC 5321 6.1, RFC 3464 2).
            if (envelope.ReversePath.Length == 0)
                LogNoBounceForNullSender(envelope.QueueId, unreported.Count);
            else
                await bounces.SendAsync(envelope, unreported);
            // The report's envelope names what it covers, so this record is for the running index only.
            progress = await store.RecordProgressAsync(envelope.QueueId,
                p => p with { Reported = p.Reported.Union(unreported.Select(o => o.Recipient)) }, "reported") ?? progress;
        }
        if (!envelope.Recipients.All(r => progress.IsDone(r.Address)))
            return progress;
        await FinishAsync(envelope, progress);
        return null;
    }

    /// <summary>A drained message was accepted by a peer: it is done here, except that a keeper may still need it
    /// (a holder shadowing it must get its discard notice, or it would take the message over once we are gone).</summary>
    public Task HandedOverAsync(SpooledMessage message, IReadOnlyList<RecipientResult> results) =>
        DeliveredAsync(message, store.Progress(message.Envelope.QueueId), [.. results.Select(r => r with { Primary = null })]);

    /// <summary>
    /// Every recipient delivered. Usually that is the end (one Finished record); but a keeper may keep the message
    /// in the spool (recorded with the outcomes, in one record) until it releases it.
    /// </summary>
    private async Task DeliveredAsync(SpooledMessage message, MessageProgress progress, IReadOnlyList<RecipientResult> results)
    {
        var envelope = message.Envelope;
        var keeps = _keepers.Select(k => k.Keep(message, progress, results)).OfType<KeepRequest>().ToList();
        if (keeps.Count == 0)
        {
            await FinishAsync(envelope, progress);
            return;
        }
        var now = time.GetUtcNow();
        var outcomes = results.Select(r => new RecipientOutcome(r.Recipient, RecipientStatus.Delivered, r.Status, r.Diagnostic, r.RemoteMta, now)).ToList();
        var recorded = await store.RecordProgressAsync(envelope.QueueId,
            p => keeps.Aggregate(p.WithOutcomes(outcomes) with { NextAttemptAt = null }, (kept, keep) => keep.Apply(kept)),
            string.Join("; ", keeps.Select(k => k.Reason)));
        if (recorded is null)
            return;
        foreach (var keep in keeps)
            keep.Kept(recorded);
    }

    private async Task FinishAsync(SpooledEnvelope envelope, MessageProgress progress)
    {
        var failed = progress.Outcomes.Values.Count(o => o.Status == RecipientStatus.Failed);
        await store.MarkFinishedAsync(envelope.QueueId, failed == 0 ? "delivered" : $"{failed} recipient(s) failed");
        _lastError.TryRemove(envelope.QueueId, out _);
        LogFinished(envelope.QueueId, envelope.Recipients.Count - failed, failed);
    }
}
