using TransportGuard.Spool;

namespace TransportGuard.Queue;

public sealed partial class QueueManager
{
    /// <summary>
    /// After an attempt (or at start, or after an admin action): failures nobody has reported yet go back to the
    /// sender in one delivery status notification; a message with every recipient settled is finished; the rest
    /// waits for its next attempt.
    /// </summary>
    private async Task SettleAsync(SpooledMessage message, MessageProgress progress)
    {
        var envelope = message.Envelope;
        var unreported = progress.Unreported.ToList();
        if (unreported.Count > 0)
        {
            // Never a report for a null sender: that is how bounce loops are stopped (RFC 5321 6.1, RFC 3464 2).
            if (envelope.ReversePath.Length == 0)
                LogNoBounceForNullSender(envelope.QueueId, unreported.Count);
            else
                await _bounces.SendAsync(envelope, unreported);
            // The report's envelope names what it covers, so this record is for the running index only.
            progress = await Spool.RecordProgressAsync(envelope.QueueId,
                p => p with { Reported = p.Reported.Union(unreported.Select(o => o.Recipient)) }, "reported") ?? progress;
        }
        if (envelope.Recipients.All(r => progress.IsDone(r.Address)))
            await FinishAsync(envelope, progress.Outcomes.Values.Count(o => o.Status == RecipientStatus.Failed));
        else
            Schedule(envelope.QueueId, progress);
    }

    private async Task FinishAsync(SpooledEnvelope envelope, int failed)
    {
        await Spool.MarkFinishedAsync(envelope.QueueId, failed == 0 ? "delivered" : $"{failed} recipient(s) failed");
        _lastError.TryRemove(envelope.QueueId, out _);
        LogFinished(envelope.QueueId, envelope.Recipients.Count - failed, failed);
    }
}
