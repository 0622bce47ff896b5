using System.Text.RegularExpressions;
using TransportGuard.Tests.Support;

namespace TransportGuard.Tests.Shadow;

/// <summary>Shadow before ack (docs/protocol.md): the edge copies each message to a peer before its 250.</summary>
[Collection(nameof(ClusterCollection))]
public sealed partial class ShadowBeforeAckTests
{
    private const int Messages = 20;

    private static string[] Node(string id, string address, int port, string relayTo, params string[] extra) =>
        ["--node-id", id, "--smtp", $"{address}:{port}", "--http", $"{address}:0", "--relay-to", relayTo,
         "--Queue:Suspended", "false", "--Queue:RetryInitialDelay", "00:00:00.300", "--Queue:RetryMaxDelay", "00:00:00.600", .. extra];

    [Fact]
    public async Task The_edge_copies_to_a_peer_before_its_250_and_when_it_dies_the_peer_delivers_everything_acknowledged()
    {
        await using var edgeSink = ScriptedNextHop.Start(new NextHopScript { DataReply = _ => "451 4.3.0 not now" });
        await using var hubSink = ScriptedNextHop.Start();
        var (edgePort, hubPort) = (PostfixInstance.FreePort(), PostfixInstance.FreePort());
        string[] peers = ["--peer", $"edge@127.0.0.2:{edgePort}", "--peer", $"hub@127.0.0.3:{hubPort}", .. PeerSession.Args];
        var (edgeData, hubData) = (TempDirectory.Create("edge"), TempDirectory.Create("hub"));
        // The hub refuses mail before STARTTLS (Smtp:RequireTls): peer sessions always start TLS, so copies still come.
        await using var hub = await GatewayProcess.StartAsync(hubData, [.. Node("hub", "127.0.0.3", hubPort, $"127.0.0.1:{hubSink.Port}"), .. peers, "--Smtp:RequireTls", "true"]);
        await using var edge = await GatewayProcess.StartAsync(edgeData, [.. Node("edge", "127.0.0.2", edgePort, $"127.0.0.1:{edgeSink.Port}"), .. peers]);

        var acknowledged = new List<string>();
        await using (var client = await RawSmtpClient.ConnectGreetedAsync(edge.SmtpEndPoint))
        {
            for (var i = 0; i < Messages; i++)
            {
                await client.BeginDataAsync("sender@example.org", $"rcpt{i}@example.com");
                Assert.Equal(250, (await client.CommandAsync($"Subject: before ack {i}\r\n\r\nbody\r\n.")).Code);
                acknowledged.Add($"Subject: before ack {i}");
            }
        }
        using var hubHttp = AdminHttp.For(hub);
        Assert.Equal(Messages, MetricsText.ShadowMessages(await hubHttp.TextAsync("/metrics"), "edge")); // every 250 came after a copy
        Assert.Empty(hubSink.Messages);

        await edge.KillAsync();
        await Eventually.UntilAsync(() => hubSink.Messages.Count >= Messages, TimeSpan.FromSeconds(30),
            () => $"{hubSink.Messages.Count} of {Messages} delivered after the edge died", 50);
        var delivered = hubSink.Messages.Select(m => Subject().Match(m.Text).Value).ToList();
        Assert.Empty(acknowledged.Except(delivered));
        Assert.Equal(delivered.Count, delivered.Distinct().Count());
        Assert.All(hubSink.Messages, m => Assert.DoesNotContain("XSHADOWOF", m.MailParameters, StringComparison.Ordinal));
        Assert.DoesNotContain(PeerSession.Secret, hub.Output + edge.Output, StringComparison.Ordinal); // never logged
        Assert.Contains("authenticated as peer edge", hub.Output, StringComparison.Ordinal);
        TempDirectory.Delete(edgeData);
        TempDirectory.Delete(hubData);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Without_a_peer_to_take_the_copy_the_message_is_refused_or_counted_as_not_redundant(bool reject)
    {
        await using var sink = ScriptedNextHop.Start(new NextHopScript { DataReply = _ => "451 4.3.0 not now" });
        var data = TempDirectory.Create("lonely");
        var port = PostfixInstance.FreePort();
        await using var edge = await GatewayProcess.StartAsync(data, [.. Node("edge", "127.0.0.2", port, $"127.0.0.1:{sink.Port}"),
            "--peer", $"edge@127.0.0.2:{port}", "--peer", $"hub@127.0.0.3:{PostfixInstance.FreePort()}", .. PeerSession.Args, // nobody listens at hub
            "--Shadow:RejectMessageOnShadowFailure", reject ? "true" : "false", "--Shadow:ShadowCopyTimeout", "00:00:02"]);
        await using var client = await RawSmtpClient.ConnectGreetedAsync(edge.SmtpEndPoint);
        await client.BeginDataAsync();
        var reply = await client.CommandAsync("Subject: lonely\r\n\r\nbody\r\n.");
        using var http = AdminHttp.For(edge);
        var metrics = await http.TextAsync("/metrics");
        if (reject)
        {
            Assert.Equal("451 4.4.0 Message failed to be made redundant", reply.Last);
            Assert.Matches(@"(?m)^transportguard_spool_messages 0$", metrics);
            // A refusal, not a storage failure, although its text says "failed".
            Assert.Matches(@"(?m)^transportguard_smtp_transactions_total\{result=""refused""\} 1$", metrics);
            Assert.Matches(@"(?m)^transportguard_smtp_transactions_total\{result=""failed""\} 0$", metrics);
        }
        else
        {
            Assert.Equal(250, reply.Code);
            Assert.Matches(@"(?m)^transportguard_messages_accepted_without_redundancy_total 1$", metrics);
        }
        TempDirectory.Delete(data);
    }

    [GeneratedRegex(@"(?m)^Subject: before ack \d+")]
    private static partial Regex Subject();
}
