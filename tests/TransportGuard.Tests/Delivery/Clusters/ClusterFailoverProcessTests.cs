using System.Diagnostics;
using TransportGuard.Tests.Support;

namespace TransportGuard.Tests.Delivery.Clusters;

/// <summary>
/// Failover end to end on the real clock (docs/architecture.md, Conventions 6): the real executable routes a domain
/// to a cluster of two scripted mailbox servers, checks them every 200 ms, and once the active one is gone moves the
/// route to the standby within three intervals and some slack; later mail arrives there.
/// </summary>
public sealed class ClusterFailoverProcessTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(200);

    [Fact]
    public async Task When_the_active_server_stops_the_route_moves_to_the_standby_and_later_mail_arrives_there()
    {
        var active = ScriptedNextHop.Start();
        await using var standby = ScriptedNextHop.Start();
        var (activePort, standbyPort) = (active.Port, standby.Port); // a stopped listener forgets its port
        var data = TempDirectory.Create("cluster");
        await using (var gateway = await GatewayProcess.StartAsync(data, "--Queue:Suspended", "false",
            "--Delivery:Routes:example.net", $"cluster:127.0.0.1:{activePort},127.0.0.1:{standbyPort}",
            "--MailboxClusters:HealthCheckInterval", Interval.ToString(), "--MailboxClusters:HealthCheckFailures", "3",
            "--Queue:RetryInitialDelay", "00:00:00.200", "--Queue:RetryMaxDelay", "00:00:00.500", "--Queue:RetryJitter", "0"))
        {
            using var http = AdminHttp.For(gateway);
            await SendAsync(gateway, "before");
            await active.WaitForMessagesAsync(1, TimeSpan.FromSeconds(20));
            Assert.Empty(standby.Messages);
            Assert.Equal(1, await ActiveAsync(http, activePort));

            await active.DisposeAsync();
            var stopped = Stopwatch.StartNew();
            await Eventually.UntilAsync(async () => await ActiveAsync(http, standbyPort) == 1, Interval * 3 + TimeSpan.FromSeconds(15),
                () => "the route did not move:\n" + gateway.Output, pollMilliseconds: 50);
            var moved = stopped.Elapsed;
            Assert.True(moved >= Interval * 2, $"moved after {moved}: sooner than three checks allow");
            TestContext.Current.TestOutputHelper?.WriteLine($"moved {moved.TotalMilliseconds:0} ms after the active server stopped");

            await SendAsync(gateway, "after");
            // The later message, and the earlier one too: the Safety Net resubmits what the lost active took
            // (docs/safetynet.md), in whichever order the two come.
            await standby.WaitForMessagesAsync(2, TimeSpan.FromSeconds(20));
            Assert.Equal(["Subject: after", "Subject: before"], standby.Messages.Select(m => m.Text.Contains("Subject: after", StringComparison.Ordinal) ? "Subject: after" : "Subject: before").Order());
            Assert.Single(active.Messages);
            var metrics = await http.TextAsync("/metrics");
            Assert.Equal(1, MetricsText.Value(metrics, "transportguard_route_failovers_total{route=\"example.net\"}"));
            Assert.Equal(0, MetricsText.Value(metrics, $"transportguard_route_active_server{{route=\"example.net\",server=\"127.0.0.1:{activePort}\"}}"));
            Assert.Contains($"Route example.net failed over from 127.0.0.1:{activePort} to 127.0.0.1:{standbyPort} after 3 failed health checks",
                gateway.Output, StringComparison.Ordinal);
        }
        TempDirectory.Delete(data);
    }

    private static async Task SendAsync(GatewayProcess gateway, string subject)
    {
        await using var client = await RawSmtpClient.ConnectGreetedAsync(gateway.SmtpEndPoint);
        await client.BeginDataAsync(to: "b@example.net");
        Assert.Equal(250, (await client.CommandAsync($"Subject: {subject}\r\nMessage-Id: <{Guid.NewGuid():N}@test>\r\n\r\nbody\r\n.")).Code);
    }

    private static async Task<double?> ActiveAsync(HttpClient http, int port) =>
        MetricsText.Find(await http.TextAsync("/metrics"), $"transportguard_route_active_server{{route=\"example.net\",server=\"127.0.0.1:{port}\"}}");
}
