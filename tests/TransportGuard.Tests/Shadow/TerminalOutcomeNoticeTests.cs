using TransportGuard.Tests.Support;

namespace TransportGuard.Tests.Shadow;

/// <summary>
/// Every terminal outcome of a message a peer shadows ends with a discard notice (docs/protocol.md): a message that
/// is partly bounced ends like a delivered one, so its holder drops the shadow instead of taking it over, and
/// delivering and bouncing it again, once the primary goes away.
/// </summary>
[Collection(nameof(ClusterCollection))]
public sealed class TerminalOutcomeNoticeTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_partly_bounced_message_is_discarded_at_its_holder_and_a_restart_of_its_primary_delivers_nothing_twice()
    {
        await using var accepting = ScriptedNextHop.Start();
        await using var rejecting = ScriptedNextHop.Start(new NextHopScript { RcptReply = _ => "550 5.1.1 no such user" });
        var (edgePort, hubPort) = (PostfixInstance.FreePort(), PostfixInstance.FreePort());
        var (edgeData, hubData) = (TempDirectory.Create("edge"), TempDirectory.Create("hub"));
        string[] Node(string id, string address, int port) => TwoNodes.Args(id, address, port, edgePort, hubPort, $"127.0.0.1:{accepting.Port}", "--Delivery:Routes:b.test", $"smtp:127.0.0.1:{rejecting.Port}");
        await using var hub = await GatewayProcess.StartAsync(hubData, Node("hub", "127.0.0.3", hubPort));
        var edge = await GatewayProcess.StartAsync(edgeData, Node("edge", "127.0.0.2", edgePort));
        try
        {
            await using (var client = await RawSmtpClient.ConnectGreetedAsync(edge.SmtpEndPoint))
            {
                await client.BeginEnvelopeAsync("sender@example.org", "ok@a.test");
                Assert.Equal(250, (await client.CommandAsync("RCPT TO:<bad@b.test>")).Code);
                Assert.Equal(354, (await client.CommandAsync("DATA")).Code);
                Assert.Equal(250, (await client.CommandAsync("Subject: partly bounced\r\n\r\nbody\r\n.")).Code);
            }
            // ok@a.test delivered, bad@b.test refused: the accepting sink gets the message and the sender's report.
            await Eventually.UntilAsync(() => accepting.Messages.Count >= 2, Wait, () => $"{accepting.Messages.Count} of 2 at the sink", 50);
            using var hubHttp = AdminHttp.For(hub);
            await Eventually.UntilAsync(async () => MetricsText.ShadowMessages(await hubHttp.TextAsync("/metrics"), "edge") == 0, Wait,
                () => "the hub still holds the shadow of a message the edge has ended", 100);

            await edge.TerminateAsync();
            await Eventually.UntilAsync(() => ShadowCluster.TakeoverAt(hub, "edge") is not null, Wait, () => "the hub never declared the edge down", 50);
            edge = await GatewayProcess.StartAsync(edgeData, Node("edge", "127.0.0.2", edgePort));
            await Task.Delay(TimeSpan.FromSeconds(2), TestContext.Current.CancellationToken);

            Assert.Equal(["ok@a.test", "sender@example.org"], accepting.Messages.SelectMany(m => m.Recipients).Order());
            Assert.Contains("Peer edge is down (", hub.Output, StringComparison.Ordinal);
            Assert.Contains("taking over 0 shadow message(s)", hub.Output, StringComparison.Ordinal);
        }
        finally
        {
            await edge.DisposeAsync();
        }
        TempDirectory.Delete(edgeData);
        TempDirectory.Delete(hubData);
    }

    [Fact]
    public async Task A_message_an_operator_deletes_is_discarded_at_its_holder_too()
    {
        await using var deferring = ScriptedNextHop.Start(new NextHopScript { DataReply = _ => "451 4.3.0 not now" });
        var (edgePort, hubPort) = (PostfixInstance.FreePort(), PostfixInstance.FreePort());
        var (edgeData, hubData) = (TempDirectory.Create("edge"), TempDirectory.Create("hub"));
        string[] Node(string id, string address, int port) => TwoNodes.Args(id, address, port, edgePort, hubPort, $"127.0.0.1:{deferring.Port}");
        await using var hub = await GatewayProcess.StartAsync(hubData, Node("hub", "127.0.0.3", hubPort));
        await using var edge = await GatewayProcess.StartAsync(edgeData, Node("edge", "127.0.0.2", edgePort));
        await using (var client = await RawSmtpClient.ConnectGreetedAsync(edge.SmtpEndPoint))
        {
            await client.BeginDataAsync("sender@example.org", "rcpt@example.com");
            Assert.Equal(250, (await client.CommandAsync("Subject: deleted\r\n\r\nbody\r\n.")).Code);
        }
        using var hubHttp = AdminHttp.For(hub);
        Assert.Equal(1, MetricsText.ShadowMessages(await hubHttp.TextAsync("/metrics"), "edge"));
        using var edgeHttp = AdminHttp.For(edge);
        var id = Assert.Single((await edgeHttp.JsonAsync("/api/queue")).GetProperty("items").EnumerateArray()).GetProperty("queueId").GetString();

        using (var deleted = await edgeHttp.DeleteAsync($"/api/queue/{id}", TestContext.Current.CancellationToken))
            Assert.True(deleted.IsSuccessStatusCode);

        await Eventually.UntilAsync(async () => MetricsText.ShadowMessages(await hubHttp.TextAsync("/metrics"), "edge") == 0, Wait,
            () => "the hub still holds the shadow of a message deleted at the edge", 100);
        await Eventually.UntilAsync(async () => (await edgeHttp.JsonAsync("/api/queue")).GetProperty("total").GetInt32() == 0, Wait,
            () => "the edge still keeps the deleted message after the hub's acknowledgement", 100);
        TempDirectory.Delete(edgeData);
        TempDirectory.Delete(hubData);
    }

    [Fact]
    public async Task A_clean_stop_right_after_delivering_waits_for_the_discard_acknowledgements_so_its_holder_takes_nothing_over()
    {
        await using var sink = ScriptedNextHop.Start();
        var (edgePort, hubPort) = (PostfixInstance.FreePort(), PostfixInstance.FreePort());
        var (edgeData, hubData) = (TempDirectory.Create("edge"), TempDirectory.Create("hub"));
        string[] Node(string id, string address, int port) => TwoNodes.Args(id, address, port, edgePort, hubPort, $"127.0.0.1:{sink.Port}");
        await using var hub = await GatewayProcess.StartAsync(hubData, Node("hub", "127.0.0.3", hubPort));
        await using var edge = await GatewayProcess.StartAsync(edgeData, Node("edge", "127.0.0.2", edgePort));
        const int Messages = 20;
        await using (var client = await RawSmtpClient.ConnectGreetedAsync(edge.SmtpEndPoint))
        {
            for (var i = 0; i < Messages; i++)
            {
                await client.BeginDataAsync("sender@example.org", $"rcpt{i}@example.com");
                Assert.Equal(250, (await client.CommandAsync($"Subject: stop {i}\r\n\r\nbody\r\n.")).Code);
            }
        }
        await Eventually.UntilAsync(() => sink.Messages.Count >= Messages, Wait, () => $"{sink.Messages.Count} of {Messages} delivered", 5);

        Assert.Equal(0, await edge.TerminateAsync()); // at once: discard notices are still on their way
        await Eventually.UntilAsync(() => ShadowCluster.TakeoverAt(hub, "edge") is not null, Wait, () => "the hub never declared the edge down", 50);
        await Task.Delay(TimeSpan.FromSeconds(1), TestContext.Current.CancellationToken);

        Assert.Contains("taking over 0 shadow message(s)", hub.Output, StringComparison.Ordinal);
        Assert.Equal(Messages, sink.Messages.Count);
        TempDirectory.Delete(edgeData);
        TempDirectory.Delete(hubData);
    }
}
