using System.Text.RegularExpressions;
using TransportGuard.Tests.Support;

namespace TransportGuard.Tests.Shadow;

/// <summary>
/// Shadow on handoff with real processes (docs/protocol.md): the edge relays to hub1 and keeps shadows; hub1
/// cannot deliver yet; hub1 is killed (or frozen); the edge takes over about a second later and delivers through
/// hub2; when hub1 comes back it asks the edge what was taken over and delivers none of it.
/// </summary>
[Collection(nameof(ClusterCollection))]
public sealed partial class ThreeNodeTakeoverTests
{
    private const int Messages = 30;
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(45);

    [Theory]
    [InlineData(true, false)]
    [InlineData(false, false)]
    [InlineData(true, true)] // all on 127.0.0.1, peers named localhost:PORT (issue 14's same-host defect)
    public async Task A_dead_or_frozen_hub_is_taken_over_and_after_it_returns_it_delivers_none_of_what_was_taken(bool kill, bool oneHostByName)
    {
        var hub1Accepts = false;
        await using var hub1Sink = ScriptedNextHop.Start(new NextHopScript { DataReply = _ => Volatile.Read(ref hub1Accepts) ? null : "451 4.3.0 mailbox store not ready" });
        await using var hub2Sink = ScriptedNextHop.Start();
        await using var cluster = await ShadowCluster.StartAsync(hub1Sink, hub2Sink, oneHostByName);

        var acknowledged = new List<string>();
        await using (var client = await RawSmtpClient.ConnectGreetedAsync(cluster.Edge.SmtpEndPoint))
        {
            for (var i = 0; i < Messages; i++)
            {
                await client.BeginDataAsync("sender@example.org", $"rcpt{i}@example.com");
                var subject = $"Subject: takeover {i}";
                Assert.Equal(250, (await client.CommandAsync($"{subject}\r\n\r\nbody {i}\r\n.")).Code);
                acknowledged.Add(subject);
            }
        }
        using var edgeHttp = AdminHttp.For(cluster.Edge);
        await UntilAsync(async () => MetricsText.ShadowMessages(await edgeHttp.TextAsync("/metrics"), "hub1") == Messages, "the edge never held all shadows of hub1");
        Assert.Empty(hub2Sink.Messages); // hub1 has them all, deferred

        var failedAt = DateTime.UtcNow;
        if (kill)
            await cluster.Hub1.KillAsync();
        else
            await cluster.Hub1.SignalAsync(freeze: true);
        await UntilAsync(() => Task.FromResult(Subjects(hub2Sink).Count == Messages), "taken-over mail did not reach hub2's sink");
        var takeover = ShadowCluster.TakeoverAt(cluster.Edge, "hub1")!.Value - failedAt;
        TestContext.Current.TestOutputHelper?.WriteLine($"takeover {takeover.TotalSeconds:0.00} s after the {(kill ? "kill" : "freeze")}");
        Assert.InRange(takeover.TotalSeconds, 0.3, 5);

        Volatile.Write(ref hub1Accepts, true);
        if (kill)
            await cluster.StartNodeAsync("hub1");
        else
            await cluster.Hub1.SignalAsync(freeze: false);
        using var hub1Http = AdminHttp.For(cluster.Hub1);
        await UntilAsync(async () => MetricsText.Value(await hub1Http.TextAsync("/metrics"), "transportguard_spool_messages") == 0,
            "hub1 still holds messages: " + string.Join('\n', cluster.Hub1.Output.Split('\n').Where(l => l.Contains("ShadowManager", StringComparison.Ordinal))));
        // The fencing answer drops the messages first and logs after: wait for the line rather than race it.
        await UntilAsync(() => Task.FromResult(cluster.Hub1.Output.Contains("Shadow holder edge took over", StringComparison.Ordinal)),
            "hub1 never logged what the edge took over:\n" + string.Join('\n', cluster.Hub1.Output.Split('\n').TakeLast(40)));
        await Task.Delay(TimeSpan.FromSeconds(1), TestContext.Current.CancellationToken);

        var delivered = Subjects(hub2Sink).Concat(Subjects(hub1Sink)).ToList();
        Assert.True(hub1Sink.Messages.IsEmpty, "hub1 delivered after it returned:\n" + string.Join('\n', cluster.Hub1.Output.Split('\n')
            .Where(l => l.Contains("Shadow", StringComparison.Ordinal) || l.Contains("status=sent", StringComparison.Ordinal) || l.Contains("taken", StringComparison.Ordinal)).Take(40)));
        Assert.Empty(acknowledged.Except(delivered)); // nothing lost
        Assert.Equal(delivered.Count, delivered.Distinct().Count()); // nothing twice
        TestContext.Current.TestOutputHelper?.WriteLine($"acknowledged {acknowledged.Count}, delivered {delivered.Distinct().Count()}, lost 0, duplicated 0");
    }

    private static List<string> Subjects(ScriptedNextHop sink) => [.. sink.Messages.Select(m => SubjectLine().Match(m.Text).Value)];

    private static Task UntilAsync(Func<Task<bool>> condition, string failure) => Eventually.UntilAsync(condition, Wait, () => failure, 50);

    [GeneratedRegex(@"(?m)^Subject: takeover \d+")]
    private static partial Regex SubjectLine();
}
