using System.Globalization;
using System.Text;
using TransportGuard.Tracking;

namespace TransportGuard.Admin.Cli;

/// <summary>
/// One tracking event as one line for an operator (docs/tracking.md, CLI), in the spirit of Postfix's log lines:
/// time (UTC), event, queue id, then what the event knows, e.g.
/// <c>2026-11-30 10:00:01.123  RECEIVE   0J5Z...  from 127.0.0.1 (client.example) &lt;a@x&gt; -&gt; &lt;b@y&gt; size=312 message-id=&lt;id@x&gt;</c>.
/// </summary>
internal static class TraceLine
{
    public static string Format(TrackingEvent e)
    {
        var line = new StringBuilder().Append(CultureInfo.InvariantCulture,
            $"{e.At.UtcDateTime:yyyy-MM-dd HH:mm:ss.fff}  {e.Event.ToString().ToUpperInvariant(),-9} {e.QueueId,-15} ");
        if (e.Client is not null)
            line.Append(CultureInfo.InvariantCulture, $" from {e.Client}").Append(e.Helo is null ? "" : $" ({e.Helo})");
        // A new message here (received, taken over, resubmitted) says whose it is; a step of one says whom it was for.
        if (e.Client is not null || e.Event is TrackingEventKind.Receive or TrackingEventKind.TakeOver or TrackingEventKind.Resubmit)
            line.Append(CultureInfo.InvariantCulture, $" <{e.Sender}> ->");
        else if (e.Recipients is { Count: > 0 })
            line.Append(" to");
        if (e.Recipients is { Count: > 0 } recipients)
            line.Append(' ').AppendJoin(", ", recipients.Select(r => $"<{r}>"));
        Field(line, "size", e.Size?.ToString(CultureInfo.InvariantCulture));
        Field(line, "relay", e.Host);
        Field(line, "dsn", e.Status);
        if (e.Reply is not null)
            line.Append(CultureInfo.InvariantCulture, $" ({e.Reply})");
        Field(line, "peer", e.Peer is null ? null : e.PeerQueueId is null ? e.Peer : $"{e.Peer}:{e.PeerQueueId}");
        Field(line, "related", e.RelatedQueueId);
        Field(line, "request", e.RequestId);
        Field(line, "message-id", e.MessageId is null ? null : $"<{e.MessageId}>");
        if (e.Detail is not null)
            line.Append(CultureInfo.InvariantCulture, $": {e.Detail}");
        return line.ToString();
    }

    private static void Field(StringBuilder line, string name, string? value)
    {
        if (value is not null)
            line.Append(CultureInfo.InvariantCulture, $" {name}={value}");
    }
}
