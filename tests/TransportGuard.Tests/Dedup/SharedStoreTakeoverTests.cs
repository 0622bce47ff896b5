using TransportGuard.Tests.Shadow;
using TransportGuard.Tests.Support;

namespace TransportGuard.Tests.Dedup;

/// <summary>
/// Two hubs that deliver to the same mailbox share one duplicate store (docs/dedup.md): hub1 delivers a message
/// and dies before its holder, the edge, hears of it; the edge takes the message over and relays it to hub2, which
/// finds the delivery in the shared store and does not make it again. With only their local stores the hubs cannot
/// know (the window docs/dedup.md names), and the mailbox gets the message twice: what the test would see without
/// the shared store.
/// </summary>
[Collection(nameof(ClusterCollection))]
public sealed class SharedStoreTakeoverTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(40);

    [Theory]
    [InlineData(RedisKind.Garnet, 1)]
    [InlineData(RedisKind.Redis, 1)]
    [InlineData(null, 2)]
    public async Task A_message_delivered_by_a_hub_that_died_before_its_holder_heard_so_reaches_the_mailbox_once_through_the_other_hub(
        RedisKind? shared, int expectedDeliveries)
    {
        await using var store = shared is { } kind ? await RedisServer.StartAsync(kind) : null;
        ShadowCluster? cluster = null;
        var frozen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        // The mailbox freezes the edge as the message arrives, before it answers: the edge cannot fetch hub1's
        // discard notice, and hub1 dies right after reading the 250.
        await using var sink = ScriptedNextHop.Start(new NextHopScript
        {
            DataReply = n =>
            {
                if (n == 1)
                {
                    cluster!.Edge.SignalAsync(freeze: true).GetAwaiter().GetResult();
                    frozen.TrySetResult();
                }
                return null;
            },
        });
        string[] extra = ["--Shadow:ShadowBeforeAck", "false", "--Shadow:ShadowHeartbeatFrequency", "00:00:00.300",
            .. store is null ? Array.Empty<string>() : ["--Dedup:Redis", store.Configuration]];
        cluster = await ShadowCluster.StartAsync(sink, sink, extra);
        await using var _ = cluster;

        await using (var client = await RawSmtpClient.ConnectGreetedAsync(IPEndPointOf(cluster.Endpoint("edge"))))
        {
            await client.BeginDataAsync("sender@example.org", "rcpt@example.com");
            Assert.Equal(250, (await client.CommandAsync("Message-ID: <takeover-1@example.org>\r\nSubject: once\r\n\r\nbody\r\n.")).Code);
        }
        await frozen.Task.WaitAsync(Wait, TestContext.Current.CancellationToken);
        await Eventually.UntilAsync(() => cluster.Hub1.Output.Contains("status=sent", StringComparison.Ordinal), Wait, () => "hub1 never delivered", 5);
        await Task.Delay(200, TestContext.Current.CancellationToken); // its entry written (the first thing after the 250)
        await cluster.Hub1.KillAsync();
        await cluster.Edge.SignalAsync(freeze: false);

        await Eventually.UntilAsync(() => ShadowCluster.TakeoverAt(cluster.Edge, "hub1") is not null, Wait, () => "the edge never took hub1's message over", 50);
        await Eventually.UntilAsync(() => cluster.Hub2.Output.Contains("status=", StringComparison.Ordinal), Wait, () => "hub2 never got the takeover copy", 50);
        await Task.Delay(1000, TestContext.Current.CancellationToken);

        Assert.Equal(expectedDeliveries, sink.Messages.Count);
        if (expectedDeliveries == 1)
            Assert.Contains("status=duplicate", cluster.Hub2.Output, StringComparison.Ordinal);
    }

    private static System.Net.IPEndPoint IPEndPointOf(string endpoint) => System.Net.IPEndPoint.Parse(endpoint);
}
