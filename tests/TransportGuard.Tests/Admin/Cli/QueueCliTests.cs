using System.Text.Json;
using TransportGuard.Tests.Support;

namespace TransportGuard.Tests.Admin.Cli;

/// <summary>The real `transportguard` executable's queue and resubmit commands against a running gateway.</summary>
public sealed class QueueCliTests
{
    private static Task<ProcessRunner.Result> CliAsync(TestGateway gateway, params string[] args) => gateway.CliAsync(args);

    [Fact]
    public async Task List_hold_and_release_show_and_change_the_queue()
    {
        await using var gateway = await TestGateway.StartAsync();
        var first = await Relay.SendAsync(gateway, "alice@example.org", ["bob@example.com", "carol@example.net"], Relay.Body("one"));
        var second = await Relay.SendAsync(gateway, "dave@example.org", ["erin@example.com"], Relay.Body("two"));

        var list = await CliAsync(gateway, "queue");
        Assert.Equal(0, list.ExitCode);
        var lines = list.Output.Trim().Split('\n');
        Assert.StartsWith("QUEUE ID", lines[0], StringComparison.Ordinal);
        Assert.Matches($@"^{first}\s+ready\s+\d+ \d{{4}}-\d\d-\d\d \d\d:\d\d:\d\d\s+0 -\s+<alice@example.org>\s+bob@example.com, carol@example.net$", lines[1]);
        Assert.StartsWith(second, lines[2], StringComparison.Ordinal);
        Assert.Equal("2 message(s)", lines[^1]);

        var hold = await CliAsync(gateway, "queue", "hold", first);
        Assert.Equal((0, $"{first}: held"), (hold.ExitCode, hold.Output.Trim()));
        var held = await CliAsync(gateway, "queue", "list", "--state", "held", "--json");
        var page = JsonDocument.Parse(held.Output).RootElement;
        Assert.Equal(first, Assert.Single(page.GetProperty("items").EnumerateArray()).GetProperty("queueId").GetString());

        var release = await CliAsync(gateway, "queue", "release", first);
        Assert.Equal((0, $"{first}: released"), (release.ExitCode, release.Output.Trim()));
        Assert.Equal("0 message(s)", (await CliAsync(gateway, "queue", "--state", "held")).Output.Trim().Split('\n')[^1]);

        var missing = await CliAsync(gateway, "queue", "hold", "0000000000NOPE0");
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("404 0000000000NOPE0 is not in the queue", missing.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_resubmit_dry_run_reports_what_it_would_resubmit_and_a_bad_window_is_refused()
    {
        await using var gateway = await TestGateway.StartAsync();
        var dry = await CliAsync(gateway, "resubmit", "--start", "2026-11-23T08:00:00Z", "--end", "2026-11-23T09:00:00Z", "--destination", "mbx1", "--dry-run");
        Assert.Equal(0, dry.ExitCode);
        Assert.Matches(@"^RS[0-9A-Z]{15} \(request, dry run\): matched 0 message\(s\), 0 recipient\(s\), delivered between 2026-11-23T08:00:00\+00:00 and 2026-11-23T09:00:00\+00:00; nothing queued", dry.Output);

        var backwards = await CliAsync(gateway, "resubmit", "--start", "2026-11-23T09:00:00Z", "--end", "2026-11-23T08:00:00Z", "--destination", "mbx1");
        Assert.Equal(1, backwards.ExitCode);
        Assert.Contains("400 end must be after start", backwards.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_cli_needs_the_token_when_the_gateway_has_one()
    {
        await using var gateway = await TestGateway.StartAsync(("Http:AdminToken", "cli-token"));
        await Relay.SendAsync(gateway, "a@example.org", ["b@example.com"], Relay.Body("guarded"));
        var refused = await CliAsync(gateway, "queue");
        Assert.Equal(3, refused.ExitCode);
        Assert.Contains("401", refused.Error, StringComparison.Ordinal);
        var allowed = await CliAsync(gateway, "queue", "--token", "cli-token");
        Assert.Equal(0, allowed.ExitCode);
        Assert.EndsWith("1 message(s)", allowed.Output.Trim(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unreachable_gateway_is_a_clear_error()
    {
        var result = await ProcessRunner.RunAsync("dotnet", [GatewayProcess.Executable, "queue", "--url", $"http://127.0.0.1:{PostfixInstance.FreePort()}"], TimeSpan.FromSeconds(60));
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("cannot reach the gateway", result.Error, StringComparison.Ordinal);
    }
}
