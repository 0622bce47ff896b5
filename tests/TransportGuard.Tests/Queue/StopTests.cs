using TransportGuard.Tests.Support;

namespace TransportGuard.Tests.Queue;

/// <summary>
/// A stop (SIGTERM) lets deliveries under way hear their next hop's reply and records it, so what the next hop
/// accepted is not delivered again after the restart (docs/architecture.md: written before it is acted on).
/// </summary>
public sealed class StopTests
{
    [Fact]
    public async Task A_sigterm_while_the_next_hops_250_is_on_its_way_records_it_and_the_restart_delivers_nothing_again()
    {
        await using var hop = ScriptedNextHop.Start(new NextHopScript { DataReplyDelay = TimeSpan.FromSeconds(2) });
        var data = TempDirectory.Create("stop");
        string[] args = ["--relay-to", $"127.0.0.1:{hop.Port}", "--Queue:Suspended", "false"];
        await using (var gateway = await GatewayProcess.StartAsync(data, args))
        {
            await using (var client = await RawSmtpClient.ConnectGreetedAsync(gateway.SmtpEndPoint))
            {
                await client.BeginDataAsync();
                Assert.Equal(250, (await client.CommandAsync("Subject: stopped\r\n\r\nbody\r\n.")).Code);
            }
            await Eventually.UntilAsync(() => hop.Messages.Count == 1, TimeSpan.FromSeconds(30), () => "the next hop never took the message", 20);
            Assert.Equal(0, await gateway.TerminateAsync()); // its 250 is still on its way
        }
        await using (var restarted = await GatewayProcess.StartAsync(data, args))
        {
            await Task.Delay(TimeSpan.FromSeconds(3), TestContext.Current.CancellationToken);
            Assert.Single(hop.Messages);
            Assert.Contains("Queue resumed with 0 message(s)", restarted.Output, StringComparison.Ordinal);
        }
        TempDirectory.Delete(data);
    }
}
