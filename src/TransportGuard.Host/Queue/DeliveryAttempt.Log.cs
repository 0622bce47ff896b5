using Microsoft.Extensions.Logging;
using TransportGuard.Delivery;
using TransportGuard.Spool;
using TransportGuard.Tracking;

namespace TransportGuard.Queue;

internal sealed partial class DeliveryAttempt
{
    /// <summary>One outcome and reply of a job: its log line, in Postfix's words, and its tracking event
    /// (docs/tracking.md) with the next hop, its reply, and the primary that took the message when it was a peer.</summary>
    /// <param name="relay">The next hop; null when the job's ledger answered for these recipients without one.</param>
    private void Report(DeliveryJob job, IReadOnlyList<RecipientResult> group, string? relay, double delaySeconds)
    {
        var first = group[0];
        LogDelivery(job.QueueId, string.Join(",", group.Select(r => $"<{r.Recipient}>")), relay ?? "none",
            first.DuplicateOf is null ? Describe(first.Outcome) : "duplicate", first.Status, first.Diagnostic, delaySeconds);
        var kind = first.DuplicateOf is not null ? TrackingEventKind.Duplicate : first.Outcome switch
        {
            DeliveryOutcome.Delivered => TrackingEventKind.Deliver,
            DeliveryOutcome.Deferred => TrackingEventKind.Defer,
            _ => TrackingEventKind.Fail,
        };
        tracker.Record(job.Envelope.Tracked(kind, group.Select(r => r.Recipient)) with
        {
            Host = relay ?? job.Destination, Status = first.Status, Reply = first.Diagnostic, Peer = first.Primary?.Primary, PeerQueueId = first.Primary?.PrimaryQueueId,
        });
    }

    private static string Describe(DeliveryOutcome outcome) => outcome switch
    {
        DeliveryOutcome.Delivered => "sent",
        DeliveryOutcome.Deferred => "deferred",
        _ => "bounced",
    };

    /// <summary>One event per delivery attempt and outcome, in Postfix's words (docs/operations.md, Logs).</summary>
    [LoggerMessage(4001, LogLevel.Information, "{QueueId}: to={Recipients} relay={Relay} status={Status} dsn={Dsn} ({Diagnostic}) delay={DelaySeconds:0.###}s")]
    private partial void LogDelivery(string queueId, string recipients, string relay, string status, string dsn, string diagnostic, double delaySeconds);

    [LoggerMessage(4002, LogLevel.Information, "{QueueId}: removed ({Delivered} delivered, {Failed} failed)")]
    private partial void LogFinished(string queueId, int delivered, int failed);

    [LoggerMessage(4003, LogLevel.Warning, "{QueueId}: {Recipients} recipient(s) expired in the queue")]
    private partial void LogExpired(string queueId, int recipients);

    [LoggerMessage(4004, LogLevel.Information, "{QueueId}: {Recipients} failed recipient(s), no notification for a null sender")]
    private partial void LogNoBounceForNullSender(string queueId, int recipients);

    [LoggerMessage(4006, LogLevel.Error, "{QueueId}: delivery to {Destination} failed unexpectedly; deferred")]
    private partial void LogJobFailed(Exception exception, string queueId, string destination);

    [LoggerMessage(4010, LogLevel.Information, "{QueueId}: {Recipients} failed recipient(s), no notification for a resubmitted copy (request {RequestId})")]
    private partial void LogNoBounceForResubmit(string queueId, int recipients, string requestId);
}
