using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using TransportGuard.Tests.Support;

namespace TransportGuard.Tests.Delivery;

/// <summary>
/// Kill -9 while messages are being received and delivered (some deferred by the next hop), restart on the same
/// spool, again: every acknowledged message reaches the next hop, and no message the gateway logged as sent is
/// missing there (a delivery is counted only on the next hop's 250).
/// </summary>
public sealed partial class DeliveryCrashTests
{
    [Fact]
    public async Task After_kills_mid_delivery_every_acknowledged_message_is_delivered_and_none_is_counted_sent_unaccepted()
    {
        await using var hop = ScriptedNextHop.Start(new NextHopScript { DataReply = n => n % 5 == 0 ? "451 4.3.0 busy, try again" : null });
        var data = TempDirectory.Create("delivery-crash");
        string[] args = ["--Queue:Suspended", "false", "--relay-to", hop.Address,
            "--Queue:RetryInitialDelay", "00:00:00.200", "--Queue:RetryMaxDelay", "00:00:00.500", "--Queue:RetryJitter", "0"];
        var acknowledged = new ConcurrentDictionary<string, bool>(); // subjects that got a 250
        var logs = new List<string>();
        for (var cycle = 0; cycle < 3; cycle++)
        {
            await using var gateway = await GatewayProcess.StartAsync(data, args);
            using var stop = new CancellationTokenSource();
            var senders = Enumerable.Range(0, 4).Select(s => SendUntilKilledAsync(gateway, cycle, s, acknowledged, stop.Token)).ToArray();
            // Kill only once this cycle has acknowledged some mail (a loaded machine may take a while), at a random moment after.
            for (var wait = 0; wait < 200 && acknowledged.Count < 5 * (cycle + 1); wait++)
                await Task.Delay(50, TestContext.Current.CancellationToken);
            Assert.True(acknowledged.Count >= 5 * (cycle + 1), $"cycle {cycle} acknowledged no new mail in 10 s:\n{gateway.Output}");
            await Task.Delay(Random.Shared.Next(100, 1000), TestContext.Current.CancellationToken);
            await gateway.KillAsync();
            await stop.CancelAsync();
            await Task.WhenAll(senders);
            logs.Add(gateway.Output);
        }

        await using (var last = await GatewayProcess.StartAsync(data, args))
        {
            await Eventually.UntilAsync(() => acknowledged.Keys.All(Arrived(hop).Contains), TimeSpan.FromSeconds(60),
                () => $"lost: {string.Join(", ", acknowledged.Keys.Except(Arrived(hop)).Take(10))}\n{last.Output}", 50);
            await Task.Delay(500, TestContext.Current.CancellationToken);
            logs.Add(last.Output);
        }

        var accepted = hop.Messages.Select(m => QueueId().Match(m.Text).Groups[1].Value).ToHashSet();
        var counted = logs.SelectMany(l => SentLine().Matches(l)).Select(m => m.Groups[1].Value).ToList();
        Assert.NotEmpty(counted);
        Assert.All(counted, id => Assert.Contains(id, accepted));
        var subjects = hop.Messages.Select(m => Subject().Match(m.Text).Value).ToList();
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"{acknowledged.Count} acknowledged, {subjects.Distinct().Count()} delivered, {subjects.Count - subjects.Distinct().Count()} delivered twice (a kill between the next hop's 250 and our record of it; duplicate detection is the next wave's)");
        TempDirectory.Delete(data);
    }

    private static HashSet<string> Arrived(ScriptedNextHop hop) => hop.Messages.Select(m => Subject().Match(m.Text).Value).ToHashSet();

    private static async Task SendUntilKilledAsync(GatewayProcess gateway, int cycle, int sender, ConcurrentDictionary<string, bool> acknowledged, CancellationToken stop)
    {
        try
        {
            await using var client = await RawSmtpClient.ConnectGreetedAsync(gateway.SmtpEndPoint);
            for (var n = 0; !stop.IsCancellationRequested; n++)
            {
                var subject = $"Subject: c{cycle} s{sender} n{n}";
                await client.BeginDataAsync($"s{sender}@example.org", $"n{n}@example.com");
                var reply = await client.CommandAsync($"{subject}\r\n\r\nbody of {subject}\r\n.");
                Assert.Equal(250, reply.Code);
                acknowledged[subject] = true;
            }
        }
        catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException or OperationCanceledException)
        {
            // The gateway was killed under this client.
        }
    }

    [GeneratedRegex(@"(?m)^Subject: c\d+ s\d+ n\d+")]
    private static partial Regex Subject();

    [GeneratedRegex(@"with ESMTP id (\w{15})")]
    private static partial Regex QueueId();

    [GeneratedRegex(@"(\w{15}): to=\S+ relay=\S+ status=sent")]
    private static partial Regex SentLine();
}
