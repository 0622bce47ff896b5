using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using TransportGuard.Tests.Support;
using TransportGuard.Tests.Tracking;

namespace TransportGuard.Tests.Admin.Cli;

/// <summary>The real `transportguard trace` against a running gateway (docs/tracking.md, CLI).</summary>
public sealed class TraceCliTests
{
    [Fact]
    public async Task Trace_prints_a_line_per_event_oldest_first_or_the_json_and_needs_a_filter()
    {
        await using var hop = ScriptedNextHop.Start();
        await using var gateway = await Relay.StartAsync(hop.Address);
        var messageId = $"{Guid.NewGuid():N}@cli.test";
        var queueId = await Relay.SendAsync(gateway, "alice@example.org", ["bob@example.com"], $"Message-ID: <{messageId}>\r\nSubject: cli\r\n\r\nHello.\r\n");
        await hop.WaitForMessagesAsync(1, TimeSpan.FromSeconds(20));
        using var http = AdminHttp.For(gateway);
        await TrackingEndToEndTests.TraceAsync(http, $"messageId={messageId}", "Finish");

        var trace = await gateway.CliAsync("trace", "--message-id", $"<{messageId}>");
        Assert.Equal(0, trace.ExitCode);
        var lines = trace.Output.Trim().Split('\n');
        var time = @"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}  ";
        var id = Regex.Escape($"message-id=<{messageId}>");
        Assert.Matches($@"{time}RECEIVE   {queueId}  from 127\.0\.0\.1 \(client\.test\) <alice@example\.org> -> <bob@example\.com> size=\d+ {id}$", lines[0]);
        Assert.Matches($@"{time}DELIVER   {queueId}  to <bob@example\.com> relay=\S+:{hop.Port} dsn=2\.0\.0 \(250 2\.0\.0 Ok: queued as H1\) {id}$", lines[1]);
        Assert.Matches($@"{time}FINISH    {queueId}  to <bob@example\.com> {id}: delivered$", lines[2]);
        Assert.Equal("3 event(s)", lines[^1]);

        var json = await gateway.CliAsync("trace", "--queue-id", queueId, "--start", DateTimeOffset.UtcNow.AddHours(-1).ToString("O", CultureInfo.InvariantCulture), "--json");
        Assert.Equal(0, json.ExitCode);
        var result = JsonDocument.Parse(json.Output).RootElement;
        Assert.Equal(["Receive", "Deliver", "Finish"], result.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("event").GetString()));
        Assert.False(result.GetProperty("truncated").GetBoolean());

        var none = await gateway.CliAsync("trace", "--start", "2026-11-30T00:00:00Z");
        Assert.Equal(1, none.ExitCode);
        Assert.Contains("400 give a messageId, queueId, sender or recipient", none.Error, StringComparison.Ordinal);
    }
}
