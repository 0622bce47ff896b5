using System.Net;
using System.Text;
using System.Text.Json;
using TransportGuard.Tests.Support;

namespace TransportGuard.Tests.SafetyNet;

/// <summary>Resubmit requests on a running gateway over real sockets (docs/safetynet.md): what they match, the new
/// queue entries they make, duplicate detection on the way out, and no second bounce.</summary>
public sealed class ResubmitTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_resubmit_by_destination_queues_every_delivered_message_again_and_resubmit_to_sends_them_elsewhere()
    {
        await using var mailbox = ScriptedNextHop.Start();
        await using var other = ScriptedNextHop.Start();
        await using var gateway = await Relay.StartAsync(mailbox.Address);
        using var http = AdminHttp.For(gateway);
        var sent = new List<string>();
        for (var i = 0; i < 3; i++)
            sent.Add(await Relay.SendAsync(gateway, "a@example.org", ["b@example.com", "c@example.net"], Relay.Body($"kept {i}")));
        await RetainedAsync(gateway, http, mailbox, 3);

        // By the recipients' domain: every message, only its example.com recipient.
        var dry = await ResubmitAsync(http, new { destination = "example.com", dryRun = true });
        Assert.Equal((3, 3, 0), (dry.GetProperty("matched").GetInt32(), dry.GetProperty("recipients").GetInt32(), dry.GetProperty("resubmitted").GetInt32()));
        Assert.Equal(0, gateway.Spool.Index.Count); // a dry run queues nothing

        var moved = await ResubmitAsync(http, new { destination = "example.com", resubmitTo = "smtp:" + other.Address });
        Assert.Equal(3, moved.GetProperty("resubmitted").GetInt32());
        await other.WaitForMessagesAsync(3, Wait);
        await Relay.DrainedAsync(gateway, Wait);
        Assert.All(other.Messages, m => Assert.Equal(["b@example.com"], m.Recipients));
        Assert.Equal(mailbox.Messages.Select(m => MessageId(m.Text)).Order(), other.Messages.Select(m => MessageId(m.Text)).Order());
        Assert.Equal(3, mailbox.Messages.Count);

        // The resubmitted copies carry the request id, the status lists the request, and the trace shows the copy.
        var requestId = moved.GetProperty("requestId").GetString();
        var status = await http.JsonAsync("/api/safetynet");
        Assert.Equal(requestId, status.GetProperty("requests")[0].GetProperty("requestId").GetString());
        var first = MessageId(other.Messages.First().Text);
        var trace = await Tracking.TrackingEndToEndTests.TraceAsync(http, "messageId=" + Uri.EscapeDataString(first), "Resubmit");
        var resubmit = Tracking.TrackingEndToEndTests.Single(trace, "Resubmit");
        Assert.Equal(requestId, Tracking.TrackingEndToEndTests.Text(resubmit, "requestId"));
        Assert.Contains(trace, e => Tracking.TrackingEndToEndTests.Kind(e) == "Deliver"
            && Tracking.TrackingEndToEndTests.Text(e, "queueId") == Tracking.TrackingEndToEndTests.Text(resubmit, "queueId"));
    }

    [Fact]
    public async Task A_resubmit_to_a_destination_that_already_has_the_message_is_not_delivered_again()
    {
        await using var mailbox = ScriptedNextHop.Start();
        await using var gateway = await Relay.StartAsync(mailbox.Address);
        using var http = AdminHttp.For(gateway);
        await Relay.SendAsync(gateway, "a@example.org", ["b@example.com"], Relay.Body("once"));
        await RetainedAsync(gateway, http, mailbox, 1);

        var again = await ResubmitAsync(http, new { recipient = "b@example.com" });
        Assert.Equal(1, again.GetProperty("resubmitted").GetInt32());
        await Relay.DrainedAsync(gateway, Wait);
        Assert.Single(mailbox.Messages); // duplicate detection: the route already delivered it to b@example.com
    }

    [Fact]
    public async Task A_resubmitted_copy_that_fails_does_not_bounce_a_second_time()
    {
        await using var mailbox = ScriptedNextHop.Start();
        await using var refusing = ScriptedNextHop.Start(new NextHopScript { RcptReply = _ => "550 5.1.1 no such user here" });
        await using var gateway = await Relay.StartAsync(mailbox.Address);
        using var http = AdminHttp.For(gateway);
        await Relay.SendAsync(gateway, "a@example.org", ["b@example.com"], Relay.Body("no second bounce"));
        await RetainedAsync(gateway, http, mailbox, 1);

        var request = await ResubmitAsync(http, new { sender = "a@example.org", resubmitTo = "smtp:" + refusing.Address });
        Assert.Equal(1, request.GetProperty("resubmitted").GetInt32());
        await Relay.DrainedAsync(gateway, Wait);
        // A report to a@example.org would go by the default route, to the mailbox hop: none came.
        await Task.Delay(500, TestContext.Current.CancellationToken);
        Assert.Single(mailbox.Messages);
    }

    [Fact]
    public async Task Filters_pick_one_message_by_message_id_and_a_request_without_a_criterion_is_refused()
    {
        await using var mailbox = ScriptedNextHop.Start();
        await using var gateway = await Relay.StartAsync(mailbox.Address);
        using var http = AdminHttp.For(gateway);
        await Relay.SendAsync(gateway, "a@example.org", ["b@example.com"], Relay.Body("first"));
        await Relay.SendAsync(gateway, "z@example.org", ["b@example.com"], Relay.Body("second"));
        await RetainedAsync(gateway, http, mailbox, 2);

        var id = MessageId(mailbox.Messages.Single(m => m.From == "z@example.org").Text);
        Assert.Equal(1, (await ResubmitAsync(http, new { messageId = $"<{id}>", dryRun = true })).GetProperty("matched").GetInt32());
        Assert.Equal(1, (await ResubmitAsync(http, new { sender = "z@example.org", dryRun = true })).GetProperty("matched").GetInt32());
        Assert.Equal(2, (await ResubmitAsync(http, new { recipient = "B@example.com", dryRun = true })).GetProperty("matched").GetInt32());
        var outside = await ResubmitAsync(http, new { recipient = "b@example.com", dryRun = true }, start: DateTimeOffset.UtcNow.AddHours(1));
        Assert.Equal(0, outside.GetProperty("matched").GetInt32());

        var none = await http.PostAsync("/api/safetynet/resubmit", Json(new { start = DateTimeOffset.UtcNow.AddHours(-1), end = DateTimeOffset.UtcNow }), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.BadRequest, none.StatusCode);
        var badRoute = await http.PostAsync("/api/safetynet/resubmit", Json(new { start = DateTimeOffset.UtcNow.AddHours(-1), end = DateTimeOffset.UtcNow, sender = "a@example.org", resubmitTo = "nowhere" }), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.BadRequest, badRoute.StatusCode);
    }

    [Fact]
    public async Task The_cli_resubmits_on_a_running_gateway_and_reports_what_it_matched_and_queued()
    {
        await using var mailbox = ScriptedNextHop.Start();
        await using var other = ScriptedNextHop.Start();
        await using var gateway = await Relay.StartAsync(mailbox.Address);
        using var http = AdminHttp.For(gateway);
        await Relay.SendAsync(gateway, "a@example.org", ["b@example.com"], Relay.Body("by the cli"));
        await RetainedAsync(gateway, http, mailbox, 1);

        var window = new[] { "--start", DateTimeOffset.UtcNow.AddHours(-1).ToString("O"), "--end", DateTimeOffset.UtcNow.AddMinutes(1).ToString("O") };
        var result = await gateway.CliAsync(["resubmit", .. window, "--destination", "example.com", "--resubmit-to", "smtp:" + other.Address]);
        Assert.Equal(0, result.ExitCode);
        Assert.Matches(@"^RS[0-9A-Z]{15} \(request\): matched 1 message\(s\), 1 recipient\(s\), delivered between .*; 1 queued again", result.Output);
        await other.WaitForMessagesAsync(1, Wait);

        var status = await gateway.CliAsync("safetynet");
        Assert.Equal(0, status.ExitCode);
        Assert.StartsWith("Safety Net: ", status.Output, StringComparison.Ordinal);
        Assert.Contains("(request): matched 1 message(s)", status.Output, StringComparison.Ordinal);
    }

    /// <summary>Waits until the mailbox has <paramref name="count"/> messages, the queue is empty and the Safety Net holds them.</summary>
    private static async Task RetainedAsync(TestGateway gateway, HttpClient http, ScriptedNextHop mailbox, int count)
    {
        await mailbox.WaitForMessagesAsync(count, Wait);
        await Relay.DrainedAsync(gateway, Wait);
        await Eventually.UntilAsync(async () => (await http.JsonAsync("/api/safetynet")).GetProperty("messages").GetInt32() == count, Wait, () => "not retained");
    }

    private static async Task<JsonElement> ResubmitAsync(HttpClient http, object filter, DateTimeOffset? start = null)
    {
        var body = JsonSerializer.SerializeToNode(filter)!.AsObject();
        body["start"] = start ?? DateTimeOffset.UtcNow.AddHours(-1);
        body["end"] = DateTimeOffset.UtcNow.AddHours(2);
        var response = await http.PostAsync("/api/safetynet/resubmit", new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement;
    }

    private static StringContent Json(object body) => new(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");

    private static string MessageId(string text) =>
        text.Split("\r\n").First(l => l.StartsWith("Message-Id:", StringComparison.OrdinalIgnoreCase))["Message-Id:".Length..].Trim().Trim('<', '>');
}
