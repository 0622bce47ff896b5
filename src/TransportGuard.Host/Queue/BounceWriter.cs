using Microsoft.Extensions.Logging;
using TransportGuard.Delivery.Dsn;
using TransportGuard.Spool;
using TransportGuard.Telemetry;
using TransportGuard.Tracking;

namespace TransportGuard.Queue;

/// <summary>
/// Returns failed recipients to the sender as one RFC 3464 delivery status notification, queued like any message
/// (from the null sender, so it can never bounce in turn). Its envelope names the message and recipients it
/// reports, which is how a crash right after it cannot make a second one.
/// </summary>
internal sealed partial class BounceWriter(IMessageStore store, QueueIdGenerator ids, string reportingMta, DeliveryMetrics metrics, IMessageTracker tracker,
    TimeProvider time, ILogger<BounceWriter> logger)
{
    public async Task SendAsync(SpooledEnvelope original, IReadOnlyList<RecipientOutcome> failed)
    {
        var headers = await ReadHeadersAsync(original);
        var report = DeliveryStatusNotification.Build(new DsnRequest(reportingMta, original.ReversePath, original.QueueId,
            original.ReceivedAt, time.GetUtcNow(),
            [.. failed.Select(f => new DsnRecipient(f.Recipient, "failed", f.StatusCode, f.Diagnostic, HostName(f.RemoteMta)))],
            headers));
        using var content = new MemoryStream();
        report.WriteTo(MimeKit.FormatOptions.Default, content);
        var bytes = content.ToArray();
        // Ask the next hop only for what the report needs: SMTPUTF8 for a non-ASCII address, 8BITMIME for 8-bit
        // content (the original's headers may carry some); a 7-bit report goes anywhere.
        var parameters = string.Join(' ', new[]
        {
            System.Text.Ascii.IsValid(bytes) ? null : "BODY=8BITMIME",
            System.Text.Ascii.IsValid(original.ReversePath) && failed.All(f => System.Text.Ascii.IsValid(f.Recipient)) ? null : "SMTPUTF8",
        }.OfType<string>());
        var queueId = ids.Next();
        var envelope = new SpooledEnvelope(queueId, "", [new SpooledRecipient(original.ReversePath, "")],
            parameters, "127.0.0.1", reportingMta, false, time.GetUtcNow(), [], 0, "",
            new BounceOf(original.QueueId, [.. failed.Select(f => f.Recipient)]));
        await store.StoreAsync(envelope, bytes, CancellationToken.None);
        metrics.Bounced();
        LogBounced(original.QueueId, queueId, failed.Count, original.ReversePath);
        tracker.Record(original.Tracked(TrackingEventKind.Bounce, failed.Select(f => f.Recipient)) with
        {
            RelatedQueueId = queueId, Status = failed[0].StatusCode, Reply = failed[0].Diagnostic,
            Detail = $"delivery status notification {queueId} to <{original.ReversePath}>",
        });
    }

    /// <summary>Remote-MTA is a DNS name (RFC 3464 2.3.5): "mx.example.com[192.0.2.1]:25" gives "mx.example.com".</summary>
    private static string? HostName(string? remote) => remote?.Split('[')[0];

    /// <summary>The original's header block (for the text/rfc822-headers part), read from its first chunks only.</summary>
    private async Task<ReadOnlyMemory<byte>> ReadHeadersAsync(SpooledEnvelope original)
    {
        const int Limit = DeliveryStatusNotification.HeaderLimit;
        using var head = new MemoryStream();
        try
        {
            await foreach (var chunk in store.ReadChunksAsync(original))
            {
                head.Write(chunk.Span);
                if (head.Length >= Limit || chunk.Span.IndexOf("\r\n\r\n"u8) >= 0)
                    break;
            }
        }
        catch (InvalidDataException)
        {
            // A damaged copy still gets its sender a report, without the headers.
        }
        return DeliveryStatusNotification.HeaderBlock(head.ToArray(), Limit);
    }

    [LoggerMessage(4100, LogLevel.Information, "{QueueId}: sender non-delivery notification {ReportId} for {Recipients} recipient(s) to <{Sender}>")]
    private partial void LogBounced(string queueId, string reportId, int recipients, string sender);
}
