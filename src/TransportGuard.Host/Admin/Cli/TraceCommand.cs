using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using TransportGuard.Tracking;

namespace TransportGuard.Admin.Cli;

/// <summary>`transportguard trace`: what a running node's tracking log says happened to a message (docs/tracking.md),
/// one line per event, oldest first; --json for scripts.</summary>
internal static class TraceCommand
{
    public static Command Build()
    {
        var messageId = new Option<string?>("--message-id") { Description = "The message with this Message-ID (with or without its angle brackets)" };
        var queueId = new Option<string?>("--queue-id") { Description = "This queue id, and those linked to it here (a takeover copy, a report, a resubmit)" };
        var sender = new Option<string?>("--sender") { Description = "Messages from this sender" };
        var recipient = new Option<string?>("--recipient") { Description = "Messages to this recipient" };
        var start = new Option<DateTimeOffset?>("--start") { Description = "Start of the window (ISO 8601) [default: Tracking:HoldTime before the end]" };
        var end = new Option<DateTimeOffset?>("--end") { Description = "End of the window (ISO 8601) [default: now]" };
        var limit = new Option<int>("--limit") { Description = "At most this many events", DefaultValueFactory = _ => TrackingQuery.DefaultLimit };
        var command = new Command("trace", "What this node did with a message: received, shadowed, delivered, deferred, bounced, taken over (message tracking)")
        {
            CliOptions.Url, CliOptions.Token, CliOptions.Data, CliOptions.Json, messageId, queueId, sender, recipient, start, end, limit,
        };
        command.SetAction(async (parse, _) =>
        {
            var query = new (string Name, string? Value)[]
            {
                ("messageId", parse.GetValue(messageId)), ("queueId", parse.GetValue(queueId)), ("sender", parse.GetValue(sender)),
                ("recipient", parse.GetValue(recipient)), ("start", parse.GetValue(start)?.ToString("O", CultureInfo.InvariantCulture)),
                ("end", parse.GetValue(end)?.ToString("O", CultureInfo.InvariantCulture)),
                ("limit", parse.GetValue(limit).ToString(CultureInfo.InvariantCulture)),
            };
            using var client = CliOptions.Client(parse);
            var (body, code) = await client.SendAsync(HttpMethod.Get,
                "/api/trace?" + string.Join('&', query.Where(q => q.Value is not null).Select(q => $"{q.Name}={Uri.EscapeDataString(q.Value!)}")));
            if (body is not { } result)
                return code;
            if (CliOptions.PrintedAsJson(parse, result))
                return 0;
            var events = result.GetProperty("events").EnumerateArray().Select(e => e.Deserialize(TrackingJson.Default.TrackingEvent)!).ToList();
            foreach (var trackingEvent in events)
                Console.WriteLine(TraceLine.Format(trackingEvent));
            Console.WriteLine(result.GetProperty("truncated").GetBoolean()
                ? $"{events.Count} event(s) shown, more matched: narrow the window or raise --limit"
                : $"{events.Count} event(s)");
            return 0;
        });
        return command;
    }
}
