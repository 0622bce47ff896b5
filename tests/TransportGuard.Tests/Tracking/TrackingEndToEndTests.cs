using System.Net;
using System.Text.Json;
using TransportGuard.Tests.Support;

namespace TransportGuard.Tests.Tracking;

/// <summary>Message tracking end to end over loopback (docs/tracking.md): a client sends, the gateway relays to a
/// scripted next hop, and GET /api/trace tells what happened, as Exchange's message tracking would.</summary>
public sealed class TrackingEndToEndTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_trace_by_message_id_shows_the_receipt_the_deferral_the_failure_its_report_the_delivery_and_the_end()
    {
        await using var hop = ScriptedNextHop.Start(new NextHopScript
        {
            DataReply = n => n == 1 ? "451 4.3.0 mailbox store not ready" : null,
            RcptReply = rcpt => rcpt.Contains("nobody", StringComparison.Ordinal) ? "550 5.1.1 no such user" : null,
        });
        await using var gateway = await Relay.StartAsync(hop.Address);
        var messageId = $"{Guid.NewGuid():N}@trace.test";
        var queueId = await Relay.SendAsync(gateway, "alice@example.org", ["bob@example.com", "nobody@example.com"],
            $"From: <alice@example.org>\r\nSubject: traced\r\nMessage-ID: <{messageId}>\r\n\r\nHello.\r\n");
        await hop.WaitForMessagesAsync(2, Wait); // the message, and the report of nobody@ to alice@
        await Relay.DrainedAsync(gateway, Wait);

        using var http = AdminHttp.For(gateway);
        var events = await TraceAsync(http, $"messageId=%3C{Uri.EscapeDataString(messageId)}%3E", "Finish");
        Assert.Equal("Receive", Kind(events[0]));
        Assert.Equal("Finish", Kind(events[^1]));
        var received = events[0];
        Assert.Equal((queueId, "127.0.0.1", "client.test", "alice@example.org", messageId),
            (Text(received, "queueId"), Text(received, "client"), Text(received, "helo"), Text(received, "sender"), Text(received, "messageId")));
        Assert.Equal(["bob@example.com", "nobody@example.com"], received.GetProperty("recipients").EnumerateArray().Select(r => r.GetString()));
        Assert.True(received.GetProperty("size").GetInt64() > 0);

        var deferred = Single(events, "Defer");
        Assert.Equal(["bob@example.com"], deferred.GetProperty("recipients").EnumerateArray().Select(r => r.GetString()));
        Assert.StartsWith("451 4.3.0 mailbox store not ready", Text(deferred, "reply"), StringComparison.Ordinal);
        var failed = Single(events, "Fail");
        Assert.Equal(("5.1.1", true), (Text(failed, "status"), Text(failed, "reply")!.StartsWith("550 5.1.1 no such user", StringComparison.Ordinal)));
        var delivered = Single(events, "Deliver");
        Assert.EndsWith($":{hop.Port}", Text(delivered, "host"), StringComparison.Ordinal);
        Assert.Equal("2.0.0", Text(delivered, "status"));
        Assert.Matches(@"^250 2\.0\.0 Ok: queued as H\d+$", Text(delivered, "reply"));
        var report = Text(Single(events, "Bounce"), "relatedQueueId")!;

        // By queue id, the report's own delivery comes with the message it reports.
        var byQueueId = await TraceAsync(http, $"queueId={queueId}", "Finish");
        Assert.Contains(byQueueId, e => Kind(e) == "Deliver" && Text(e, "queueId") == report && Text(e, "sender") == "");
        Assert.Equal(events.Count, byQueueId.Count(e => Text(e, "queueId") == queueId));

        using var unfiltered = await http.GetAsync("/api/trace?start=2026-11-30T00:00:00Z", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.BadRequest, unfiltered.StatusCode);
        var metrics = await http.TextAsync("/metrics");
        Assert.True(MetricsText.Value(metrics, "transportguard_tracking_events_total") >= byQueueId.Count);
        Assert.True(MetricsText.Value(metrics, "transportguard_tracking_bytes") > 0);
        Assert.Equal(0, MetricsText.Value(metrics, "transportguard_tracking_dropped_total"));
        Assert.Matches(@"^tracking-\d{10}\.log$", Path.GetFileName(Assert.Single(Directory.GetFiles(Path.Combine(gateway.DataDirectory, "tracking")))));
    }

    /// <summary>The events of a trace, once the one of <paramref name="until"/> kind has been written (within a second).</summary>
    internal static Task<IReadOnlyList<JsonElement>> TraceAsync(HttpClient http, string query, string until) =>
        TraceAsync(http, query, events => events.Any(e => Kind(e) == until), $"no {until} event");

    internal static async Task<IReadOnlyList<JsonElement>> TraceAsync(HttpClient http, string query, Func<IReadOnlyList<JsonElement>, bool> complete, string missing)
    {
        IReadOnlyList<JsonElement> events = [];
        await Eventually.UntilAsync(async () =>
        {
            events = [.. (await http.JsonAsync("/api/trace?" + query)).GetProperty("events").EnumerateArray()];
            return complete(events);
        }, Wait, () => $"{missing} in the trace of {query}:\n{string.Join('\n', events)}", 100);
        return events;
    }

    internal static string Kind(JsonElement trackingEvent) => Text(trackingEvent, "event")!;

    internal static string? Text(JsonElement trackingEvent, string property) =>
        trackingEvent.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    internal static JsonElement Single(IEnumerable<JsonElement> events, string kind) => Assert.Single(events, e => Kind(e) == kind);
}
