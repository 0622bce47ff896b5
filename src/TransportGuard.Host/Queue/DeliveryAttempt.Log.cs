using Microsoft.Extensions.Logging;

namespace TransportGuard.Queue;

internal sealed partial class DeliveryAttempt
{
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
