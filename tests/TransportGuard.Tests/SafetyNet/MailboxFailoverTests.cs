using System.Text.Json;
using System.Text.RegularExpressions;
using TransportGuard.Tests.Support;

namespace TransportGuard.Tests.SafetyNet;

/// <summary>
/// A mailbox cluster of two Postfix smtp-sink processes behind one route, a real gateway process in front
/// (docs/safetynet.md, Mailbox clusters): mail flows to the active; the active is killed (SIGKILL) and counts as
/// lost, as in a lossy failover; the route moves to the standby within the health-check budget; everything delivered
/// in the replay window reaches the standby exactly once, and so does every later message; the old active, back,
/// gets nothing more.
/// </summary>
public sealed partial class MailboxFailoverTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(300);
    private const int Failures = 3;

    [Fact]
    public async Task After_the_active_is_killed_the_standby_gets_the_replay_window_and_every_later_message_exactly_once()
    {
        await using var active = SmtpSink.Start();
        await using var standby = SmtpSink.Start();
        var data = TempDirectory.Create("mailbox-failover");
        await using var gateway = await GatewayProcess.StartAsync(data, "--Queue:Suspended", "false",
            "--Delivery:Routes:example.net", $"cluster:{active.Address},{standby.Address};replay=10m",
            "--MailboxClusters:HealthCheckInterval", Interval.ToString(), "--MailboxClusters:HealthCheckFailures", Failures.ToString(),
            "--MailboxClusters:HealthCheckHoldDown", "00:01:00",
            "--Queue:RetryInitialDelay", "00:00:00.200", "--Queue:RetryMaxDelay", "00:00:00.500", "--Queue:RetryJitter", "0");
        using var http = AdminHttp.For(gateway);

        var before = await SendAsync(gateway, "before", 20);
        await active.WaitForAsync(20, TimeSpan.FromSeconds(30));
        await Eventually.UntilAsync(async () => (await http.JsonAsync("/api/safetynet")).GetProperty("messages").GetInt32() == 20,
            TimeSpan.FromSeconds(20), () => "the Safety Net does not hold the 20 delivered messages");

        await active.KillAsync();
        var killed = DateTimeOffset.UtcNow;
        await Eventually.UntilAsync(async () => ActiveOf(await http.JsonAsync("/api/safetynet")) == standby.Address,
            TimeSpan.FromSeconds(15), () => $"the route did not move to the standby:\n{gateway.Output}", 50);
        var moved = DateTimeOffset.UtcNow - killed;
        // The budget: the failures in a row, one interval apart, each probe timing out within its interval, plus slack.
        Assert.True(moved < Interval * (Failures + 2) + TimeSpan.FromSeconds(5), $"moved after {moved}");

        var after = await SendAsync(gateway, "after", 10);
        var expected = before.Concat(after).ToList();
        await standby.WaitForAsync(expected.Count, TimeSpan.FromSeconds(30));
        // Past the failover's second look (5 s) and a retry or two: nothing more may come.
        await Task.Delay(TimeSpan.FromSeconds(7), TestContext.Current.CancellationToken);
        var arrived = standby.Messages().Select(Subject).ToList();
        Assert.Equal(expected.Order(), arrived.Order());

        await using var back = active.Restart();
        await Task.Delay(Interval * (Failures + 2), TestContext.Current.CancellationToken);
        var later = await SendAsync(gateway, "later", 5);
        await standby.WaitForAsync(expected.Count + 5, TimeSpan.FromSeconds(30));
        Assert.Equal(20, back.Messages().Count); // the recovered old active takes nothing: the route stays on the standby

        var status = await http.JsonAsync("/api/safetynet");
        var request = status.GetProperty("requests").EnumerateArray().Last(r => r.GetProperty("trigger").GetString() == "failover");
        Assert.Equal(20, request.GetProperty("resubmitted").GetInt32());
        Assert.Contains("transportguard_route_failovers_total", await AdminHttp.Client(gateway.HttpAddress!).TextAsync("/metrics"), StringComparison.Ordinal);
        TempDirectory.Delete(data);
    }

    [Fact]
    public async Task A_failover_resubmit_cut_short_by_kill_9_is_run_again_at_the_restart_and_the_standby_still_gets_each_message_once()
    {
        await using var active = SmtpSink.Start();
        await using var standby = SmtpSink.Start();
        var data = TempDirectory.Create("mailbox-failover-kill");
        string[] args = ["--Queue:Suspended", "false",
            "--Delivery:Routes:example.net", $"cluster:{active.Address},{standby.Address};replay=10m",
            "--MailboxClusters:HealthCheckInterval", Interval.ToString(), "--MailboxClusters:HealthCheckFailures", Failures.ToString(),
            "--Queue:RetryInitialDelay", "00:00:00.200", "--Queue:RetryMaxDelay", "00:00:00.500", "--Queue:RetryJitter", "0"];
        List<string> sent;
        await using (var gateway = await GatewayProcess.StartAsync(data, args))
        {
            using var http = AdminHttp.For(gateway);
            sent = await SendAsync(gateway, "kept", 10);
            await active.WaitForAsync(10, TimeSpan.FromSeconds(30));
            await Eventually.UntilAsync(async () => (await http.JsonAsync("/api/safetynet")).GetProperty("messages").GetInt32() == 10,
                TimeSpan.FromSeconds(20), () => "the Safety Net does not hold the 10 delivered messages");
            await active.KillAsync();
            await Eventually.UntilAsync(async () => ActiveOf(await http.JsonAsync("/api/safetynet")) == standby.Address,
                TimeSpan.FromSeconds(15), () => $"the route did not move to the standby:\n{gateway.Output}", 20);
            // Once the move is on disk (it is written just after it takes effect), and within the failover's 5 s before
            // its second look: the resubmit is not marked done.
            var state = Path.Combine(data, "mailbox-clusters.json");
            await Eventually.UntilAsync(() => File.Exists(state) && File.ReadAllText(state).Contains($"\"Port\":{standby.Port}", StringComparison.Ordinal),
                TimeSpan.FromSeconds(5), () => "the move was not written", 5);
            await gateway.KillAsync();
        }

        await using (var restarted = await GatewayProcess.StartAsync(data, args))
        {
            using var http = AdminHttp.For(restarted);
            await Eventually.UntilAsync(() => restarted.Output.Contains("not resubmitted to the end before the restart", StringComparison.Ordinal),
                TimeSpan.FromSeconds(10), () => $"no catch-up after the restart:\n{restarted.Output}");
            var status = await http.JsonAsync("/api/safetynet");
            Assert.Equal(standby.Address, ActiveOf(status)); // still on the standby after the restart
            Assert.True(status.GetProperty("messages").GetInt32() >= 10, "the Safety Net lost what it held at the kill"); // and its copies, once delivered
            await standby.WaitForAsync(10, TimeSpan.FromSeconds(30));
            await Task.Delay(TimeSpan.FromSeconds(7), TestContext.Current.CancellationToken); // both looks of the catch-up
            Assert.Equal(sent.Order(), standby.Messages().Select(Subject).Order());
        }
        TempDirectory.Delete(data);
    }

    private static async Task<List<string>> SendAsync(GatewayProcess gateway, string label, int count)
    {
        var subjects = new List<string>();
        for (var i = 0; i < count; i++)
        {
            var subject = $"{label}-{i}";
            await using var client = await RawSmtpClient.ConnectGreetedAsync(gateway.SmtpEndPoint);
            Assert.Equal(250, (await client.CommandAsync("MAIL FROM:<a@example.org>")).Code);
            Assert.Equal(250, (await client.CommandAsync("RCPT TO:<b@example.net>")).Code);
            Assert.Equal(354, (await client.CommandAsync("DATA")).Code);
            Assert.Equal(250, (await client.CommandAsync(Relay.Body(subject) + ".")).Code);
            subjects.Add(subject);
        }
        return subjects;
    }

    private static string? ActiveOf(JsonElement status) =>
        status.GetProperty("routes").EnumerateArray().Select(r => r.GetProperty("active")).Select(a => $"{a.GetProperty("host").GetString()}:{a.GetProperty("port").GetInt32()}").FirstOrDefault();

    private static string Subject(string message) => SubjectLine().Match(message).Groups[1].Value.Trim();

    [GeneratedRegex(@"^Subject: (.*)$", RegexOptions.Multiline)]
    private static partial Regex SubjectLine();
}
