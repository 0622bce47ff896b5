using System.Text.RegularExpressions;
using TransportGuard.Tests.Support;

namespace TransportGuard.Tests.Shadow;

/// <summary>
/// Leases in steady state (docs/protocol.md, Lease): with heartbeats flowing every 300 ms a primary's lease on its
/// holder never lapses, so mail that a peer shadows is delivered without a fencing question each time.
/// </summary>
[Collection(nameof(ClusterCollection))]
public sealed partial class LeaseSteadyStateTests
{
    [Fact]
    public async Task Mail_trickling_through_a_shadowed_hop_is_delivered_without_fencing_questions()
    {
        await using var sink = ScriptedNextHop.Start();
        var (edgePort, hubPort) = (PostfixInstance.FreePort(), PostfixInstance.FreePort());
        var (edgeData, hubData) = (TempDirectory.Create("edge"), TempDirectory.Create("hub"));
        // With duplicate detection (the default): its journal's commits beside the spool's once starved the thread pool
        // for about a second after the first deliveries and the lease lapsed (docs/spool.md, Threads).
        string[] Node(string id, string address, int port, string relayTo) => TwoNodes.Args(id, address, port, edgePort, hubPort, relayTo);
        await using var hub = await GatewayProcess.StartAsync(hubData, Node("hub", "127.0.0.3", hubPort, $"127.0.0.1:{sink.Port}"));
        await using var edge = await GatewayProcess.StartAsync(edgeData, Node("edge", "127.0.0.2", edgePort, $"127.0.0.3:{hubPort}"));
        await Task.Delay(TimeSpan.FromSeconds(1), TestContext.Current.CancellationToken); // a few heartbeats each way

        const int Messages = 30;
        await using (var client = await RawSmtpClient.ConnectGreetedAsync(edge.SmtpEndPoint))
        {
            for (var i = 0; i < Messages; i++)
            {
                await client.BeginDataAsync("sender@example.org", $"rcpt{i}@example.com");
                Assert.Equal(250, (await client.CommandAsync($"Subject: trickle {i}\r\n\r\nbody\r\n.")).Code);
                await Task.Delay(TimeSpan.FromMilliseconds(250), TestContext.Current.CancellationToken);
            }
        }
        await Eventually.UntilAsync(() => sink.Messages.Count >= Messages, TimeSpan.FromSeconds(30), () => $"{sink.Messages.Count} of {Messages} delivered", 50);

        // Each node is the other's holder: the edge holds shadows of what it relayed, the hub holds the edge's copies.
        Assert.Equal(0, Fencing().Count(edge.Output));
        Assert.Equal(0, Fencing().Count(hub.Output));
        TempDirectory.Delete(edgeData);
        TempDirectory.Delete(hubData);
    }

    [GeneratedRegex(@"ShadowManager\[5110\]")]
    private static partial Regex Fencing();
}
