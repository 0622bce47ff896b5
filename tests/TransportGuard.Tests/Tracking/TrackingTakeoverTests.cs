using System.Text.Json;
using TransportGuard.Tests.Shadow;
using TransportGuard.Tests.Support;
using TransportGuard.Tracking;
using static TransportGuard.Tests.Tracking.TrackingEndToEndTests;

namespace TransportGuard.Tests.Tracking;

/// <summary>
/// Issue 15's "a trace of a message that went through two nodes and a takeover shows each step", with real
/// processes (the set-up of Shadow/ThreeNodeTakeoverTests): the edge relays to hub1, which cannot deliver yet; hub1
/// is killed; the edge takes the message over and delivers it through hub2. Each node's own records say its part.
/// </summary>
[Collection(nameof(ClusterCollection))]
public sealed class TrackingTakeoverTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(45);

    [Fact]
    public async Task The_holder_traces_the_shadow_the_takeover_and_the_delivery_and_the_killed_primary_its_receipt()
    {
        await using var hub1Sink = ScriptedNextHop.Start(new NextHopScript { DataReply = _ => "451 4.3.0 mailbox store not ready" });
        await using var hub2Sink = ScriptedNextHop.Start();
        await using var cluster = await ShadowCluster.StartAsync(hub1Sink, hub2Sink);
        var messageId = $"{Guid.NewGuid():N}@takeover.test";
        string queueId;
        await using (var client = await RawSmtpClient.ConnectGreetedAsync(cluster.Edge.SmtpEndPoint))
        {
            await client.BeginDataAsync("sender@example.org", "rcpt@example.com");
            var reply = await client.CommandAsync($"Message-ID: <{messageId}>\r\nSubject: traced takeover\r\n\r\nbody\r\n.");
            Assert.Equal(250, reply.Code);
            queueId = reply.Last.Split(' ')[^1];
        }
        using var edgeHttp = AdminHttp.For(cluster.Edge);
        using var hub1Http = AdminHttp.For(cluster.Hub1);
        await Eventually.UntilAsync(async () => MetricsText.ShadowMessages(await edgeHttp.TextAsync("/metrics"), "hub1") == 1, Wait,
            () => "the edge never held the shadow of hub1");
        // hub1 has tried once: its records are on file before it dies (the tracking log is written within a second,
        // and not fsynced: a kill loses no more than that second, docs/tracking.md).
        await TraceAsync(hub1Http, $"messageId={messageId}", "Defer");

        await cluster.Hub1.KillAsync();
        await hub2Sink.WaitForMessagesAsync(1, Wait);
        var edge = await TraceAsync(edgeHttp, $"messageId={messageId}",
            events => events.Any(e => Kind(e) == "Deliver" && Text(e, "peer") == "hub2"), "no delivery to hub2");
        Log("edge", edge);

        var received = Single(edge.Where(e => Text(e, "queueId") == queueId), "Receive");
        Assert.Equal("sender@example.org", Text(received, "sender"));
        var toHub1 = Assert.Single(edge, e => Kind(e) == "Deliver" && Text(e, "peer") == "hub1");
        var hub1QueueId = Text(toHub1, "peerQueueId")!;
        Assert.Equal(queueId, Text(toHub1, "queueId"));
        Assert.EndsWith($"queued as {hub1QueueId}", Text(toHub1, "reply"), StringComparison.Ordinal);
        var shadow = Assert.Single(edge, e => Kind(e) == "Shadow" && Text(e, "peerQueueId") == hub1QueueId);
        Assert.Equal((queueId, "hub1"), (Text(shadow, "queueId"), Text(shadow, "peer")));
        var takeover = Single(edge, "TakeOver");
        var copy = Text(takeover, "queueId")!;
        Assert.Equal((queueId, "hub1", hub1QueueId), (Text(takeover, "relatedQueueId"), Text(takeover, "peer"), Text(takeover, "peerQueueId")));
        var toHub2 = Assert.Single(edge, e => Kind(e) == "Deliver" && Text(e, "peer") == "hub2");
        Assert.Equal(copy, Text(toHub2, "queueId"));
        Assert.StartsWith("250 ", Text(toHub2, "reply"), StringComparison.Ordinal);
        Assert.True(Order(edge, received) < Order(edge, toHub1) && Order(edge, shadow) < Order(edge, takeover) && Order(edge, takeover) < Order(edge, toHub2));
        // The copy's queue id traces the original with it.
        var byCopy = await TraceAsync(edgeHttp, $"queueId={copy}", "Receive");
        Assert.Equal(edge.Count(e => Text(e, "queueId") is { } id && (id == queueId || id == copy)), byCopy.Count);

        // The dead primary's own records, read from its data directory: it received the message from the edge,
        // which held its shadow, and could not deliver it.
        var hub1 = (await new TrackingReader(new TrackingDirectory(Path.Combine(cluster.Hub1.DataDirectory, "tracking")),
            Microsoft.Extensions.Options.Options.Create(new TrackingOptions()), TimeProvider.System)
            .ReadAsync(new TrackingQuery(MessageId: messageId), TestContext.Current.CancellationToken)).Events;
        Log("hub1", hub1.Select(e => JsonSerializer.SerializeToElement(e, TrackingJson.Default.TrackingEvent)).ToList());
        var primary = Assert.Single(hub1, e => e.Event == TrackingEventKind.Receive);
        Assert.Equal((hub1QueueId, "edge"), (primary.QueueId, primary.Peer));
        Assert.Contains(hub1, e => e.Event == TrackingEventKind.Defer && e.QueueId == hub1QueueId && e.Reply!.StartsWith("451 4.3.0", StringComparison.Ordinal));
    }

    private static int Order(IReadOnlyList<JsonElement> events, JsonElement one) => events.ToList().FindIndex(e => e.GetRawText() == one.GetRawText());

    private static void Log(string node, IReadOnlyList<JsonElement> events)
    {
        foreach (var trackingEvent in events)
            TestContext.Current.TestOutputHelper?.WriteLine($"{node}: {trackingEvent.GetRawText()}");
    }
}
