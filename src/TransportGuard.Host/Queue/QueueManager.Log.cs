using Microsoft.Extensions.Logging;

namespace TransportGuard.Queue;

public sealed partial class QueueManager
{
    [LoggerMessage(4000, LogLevel.Information, "Queue resumed with {Messages} message(s) from the spool")]
    private partial void LogResumed(int messages);

    [LoggerMessage(4008, LogLevel.Information, "{QueueId}: delivered; kept until {Holder} acknowledges the discard notice, shadowed for primary {Primary}")]
    private partial void LogKept(string queueId, string holder, string primary);

    [LoggerMessage(4007, LogLevel.Warning, "Deliveries are suspended (Queue:Suspended): mail is queued, not delivered")]
    private partial void LogSuspended();

    /// <summary>One event per delivery attempt and outcome, in Postfix's words (DESIGN.md section 6, Logs).</summary>
    [LoggerMessage(4001, LogLevel.Information, "{QueueId}: to={Recipients} relay={Relay} status={Status} dsn={Dsn} ({Diagnostic}) delay={DelaySeconds:0.###}s")]
    private partial void LogDelivery(string queueId, string recipients, string relay, string status, string dsn, string diagnostic, double delaySeconds);

    [LoggerMessage(4002, LogLevel.Information, "{QueueId}: removed ({Delivered} delivered, {Failed} failed)")]
    private partial void LogFinished(string queueId, int delivered, int failed);

    [LoggerMessage(4003, LogLevel.Warning, "{QueueId}: {Recipients} recipient(s) expired in the queue")]
    private partial void LogExpired(string queueId, int recipients);

    [LoggerMessage(4004, LogLevel.Information, "{QueueId}: {Recipients} failed recipient(s), no notification for a null sender")]
    private partial void LogNoBounceForNullSender(string queueId, int recipients);

    [LoggerMessage(4005, LogLevel.Error, "{QueueId}: delivery attempt failed; it will be retried")]
    private partial void LogAttemptFailed(Exception exception, string queueId);

    [LoggerMessage(4006, LogLevel.Error, "{QueueId}: delivery to {Destination} failed unexpectedly; deferred")]
    private partial void LogJobFailed(Exception exception, string queueId, string destination);
}
