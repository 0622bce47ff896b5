using System.Net;
using System.Text.RegularExpressions;
using TransportGuard.Tests.Support;

namespace TransportGuard.Tests.Shadow;

/// <summary>A node taken out for maintenance hands its queue to a peer and can be stopped empty, losing nothing.</summary>
[Collection(nameof(ClusterCollection))]
public sealed partial class DrainTests
{
    private const int Messages = 10;

    [Fact]
    public async Task Drain_hands_the_queue_to_a_peer_refuses_new_mail_and_the_node_stops_empty_with_nothing_lost_or_doubled()
    {
        await using var stuckSink = ScriptedNextHop.Start(new NextHopScript { DataReply = _ => "451 4.3.0 not now" });
        await using var goodSink = ScriptedNextHop.Start();
        var (aPort, bPort) = (PostfixInstance.FreePort(), PostfixInstance.FreePort());
        string[] peers = ["--peer", $"hubA@127.0.0.3:{aPort}", "--peer", $"hubB@127.0.0.4:{bPort}", .. PeerSession.Args];
        string[] common = ["--Queue:Suspended", "false", "--Queue:RetryInitialDelay", "00:00:00.300", "--Queue:RetryMaxDelay", "00:00:00.600", .. peers];
        var (aData, bData) = (TempDirectory.Create("hubA"), TempDirectory.Create("hubB"));
        await using var hubB = await GatewayProcess.StartAsync(bData, ["--node-id", "hubB", "--smtp", $"127.0.0.4:{bPort}", "--http", "127.0.0.4:0", "--relay-to", $"127.0.0.1:{goodSink.Port}", .. common]);
        await using var hubA = await GatewayProcess.StartAsync(aData, ["--node-id", "hubA", "--smtp", $"127.0.0.3:{aPort}", "--http", "127.0.0.3:0", "--relay-to", $"127.0.0.1:{stuckSink.Port}", .. common]);
        await using (var client = await RawSmtpClient.ConnectGreetedAsync(hubA.SmtpEndPoint))
        {
            for (var i = 0; i < Messages; i++)
            {
                await client.BeginDataAsync("sender@example.org", $"rcpt{i}@example.com");
                Assert.Equal(250, (await client.CommandAsync($"Subject: drained {i}\r\n\r\nbody\r\n.")).Code);
            }
        }

        var drain = await ProcessRunner.RunAsync("dotnet", [GatewayProcess.Executable, "drain", "--to", "hubB", "--url", hubA.HttpAddress!.ToString(), "--data", hubA.DataDirectory], TimeSpan.FromSeconds(120));
        using var hubAHttp = AdminHttp.For(hubA);
        if (drain.ExitCode != 0)
        {
            var left = await hubAHttp.TextAsync("/api/queue");
            var ids = System.Text.RegularExpressions.Regex.Matches(left, "\"queueId\":\"(\\w+)\"").Select(m => m.Groups[1].Value).ToList();
            Assert.Fail(drain.Output + left + "\n" + string.Join('\n', hubA.Output.Split('\n').Where(l => ids.Any(id => l.Contains(id, StringComparison.Ordinal)))));
        }
        Assert.Equal($"drained to hubB: {Messages} handed over, 0 shadow(s) dropped, 0 refused, 0 left", drain.Output.Trim());
        Assert.Equal("421 4.3.2", await MailReplyFromAsync(hubA.SmtpEndPoint));

        Assert.Equal(0, await hubA.TerminateAsync());
        await Eventually.UntilAsync(() => goodSink.Messages.Count >= Messages, TimeSpan.FromSeconds(30),
            () => $"{goodSink.Messages.Count} of {Messages} delivered by hubB", 50);
        // hubB notices hubA is gone and takes over what it still shadows of it: nothing, as the drain waited for that.
        await Eventually.UntilAsync(() => hubB.Output.Contains("Peer hubA is down", StringComparison.Ordinal), TimeSpan.FromSeconds(15),
            () => "hubB never noticed hubA stop:\n" + hubB.Output, 50);
        Assert.Contains("taking over 0 shadow message(s)", hubB.Output.Split('\n').First(l => l.Contains("Peer hubA is down", StringComparison.Ordinal)), StringComparison.Ordinal);
        var subjects = goodSink.Messages.Select(m => Subject().Match(m.Text).Value).ToList();
        Assert.Equal(Messages, subjects.Distinct().Count());
        Assert.Equal(Messages, subjects.Count); // hubB took over nothing: its shadow copies were discarded before the stop
        Assert.Empty(stuckSink.Messages);
        Assert.Empty(StoredMessage.ReadOffline(aData));
        TempDirectory.Delete(aData);
        TempDirectory.Delete(bData);
    }

    [Fact]
    public async Task A_peer_that_drops_the_session_mid_handover_leaves_that_message_queued_here_and_the_drain_goes_on()
    {
        await using var peer = ScriptedNextHop.Start(new NextHopScript { DropDuringData = n => n == 2, PeerId = "hubB" });
        await using var gateway = await TestGateway.StartAsync(("Shadow:NodeId", "hubA"), PeerSession.Setting, ("Shadow:Peers:0", $"hubB@127.0.0.1:{peer.Port}"),
            ("Shadow:ShadowBeforeAck", "false"));
        await using (var client = await RawSmtpClient.ConnectFromAsync(gateway.SmtpEndPoint, IPAddress.Parse("127.0.0.9")))
        {
            await client.CommandAsync("EHLO client.test");
            for (var i = 0; i < 3; i++)
            {
                await client.BeginDataAsync("sender@example.org", $"rcpt{i}@example.com");
                Assert.Equal(250, (await client.CommandAsync($"Subject: drained {i}\r\n\r\nbody\r\n.")).Code);
            }
        }

        using var http = AdminHttp.For(gateway);
        using var response = await http.PostAsync("/api/drain?to=hubB", null, TestContext.Current.CancellationToken);
        var report = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.IsSuccessStatusCode, report);
        Assert.Contains("\"handedOver\":2", report, StringComparison.Ordinal);
        Assert.Contains("\"failed\":1", report, StringComparison.Ordinal);
        Assert.Contains("\"remaining\":1", report, StringComparison.Ordinal);
        Assert.Equal(2, peer.Messages.Count);
        var handedOver = peer.Messages.Select(m => Subject().Match(m.Text).Value).ToHashSet();
        var left = Assert.Single(gateway.Messages()); // still ours, not lost
        Assert.DoesNotContain(Subject().Match(left.Text).Value, handedOver);
    }

    [Fact]
    public async Task A_drain_outlives_its_caller_and_a_cancel_takes_the_node_back_into_service_with_nothing_lost()
    {
        // A slow peer: each handover takes a second, so the drain is still going when its caller stops waiting.
        await using var peer = ScriptedNextHop.Start(new NextHopScript { DataReplyDelay = TimeSpan.FromSeconds(1), PeerId = "hubB" });
        await using var gateway = await TestGateway.StartAsync(("Shadow:NodeId", "hubA"), PeerSession.Setting, ("Shadow:Peers:0", $"hubB@127.0.0.1:{peer.Port}"),
            ("Shadow:ShadowBeforeAck", "false"));
        const int Messages = 8;
        await using (var client = await RawSmtpClient.ConnectFromAsync(gateway.SmtpEndPoint, IPAddress.Parse("127.0.0.9")))
        {
            await client.CommandAsync("EHLO client.test");
            for (var i = 0; i < Messages; i++)
            {
                await client.BeginDataAsync("sender@example.org", $"rcpt{i}@example.com");
                Assert.Equal(250, (await client.CommandAsync($"Subject: drained {i}\r\n\r\nbody\r\n.")).Code);
            }
        }
        using var http = AdminHttp.For(gateway);

        using (var started = await http.PostAsync("/api/drain?to=hubB&wait=0", null, TestContext.Current.CancellationToken))
            Assert.Contains("\"running\":true", await started.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
        await Eventually.UntilAsync(() => !peer.Messages.IsEmpty, TimeSpan.FromSeconds(20), () => "nothing handed over yet", 20);
        Assert.Equal("421 4.3.2", await MailReplyFromAsync(gateway.SmtpEndPoint));

        using (var cancelled = await http.DeleteAsync("/api/drain", TestContext.Current.CancellationToken))
            Assert.True(cancelled.IsSuccessStatusCode);

        Assert.Equal("250 2.1.0", await MailReplyFromAsync(gateway.SmtpEndPoint));
        var handedOver = peer.Messages.Select(m => Subject().Match(m.Text).Value).ToHashSet();
        var kept = gateway.Messages().Select(m => Subject().Match(m.Text).Value).ToHashSet();
        Assert.InRange(handedOver.Count, 1, Messages - 1);
        Assert.Empty(handedOver.Intersect(kept));
        Assert.Equal(Messages, handedOver.Count + kept.Count); // each message either handed over or still ours
    }

    /// <summary>What a client's MAIL gets: a drained node with a cluster secret lets a connection in so that a peer
    /// may still authenticate (docs/security.md, Peer sessions), and refuses a client's mail (code and enhanced code).</summary>
    private static async Task<string> MailReplyFromAsync(IPEndPoint node)
    {
        await using var client = await RawSmtpClient.ConnectGreetedAsync(node);
        var reply = await client.CommandAsync("MAIL FROM:<sender@example.org>");
        return $"{reply.Code} {reply.Enhanced}";
    }

    [GeneratedRegex(@"(?m)^Subject: drained \d+")]
    private static partial Regex Subject();
}
