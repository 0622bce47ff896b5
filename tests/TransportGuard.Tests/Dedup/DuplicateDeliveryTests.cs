using TransportGuard.Tests.Support;

namespace TransportGuard.Tests.Dedup;

/// <summary>
/// Duplicate detection on one node, over real sockets, with its embedded store (docs/dedup.md): a sender's retry of
/// a delivered message is answered 250 and not queued; a copy with one recipient already served goes only to the
/// other; the same Message-ID with another body is another message; and what was delivered survives a kill -9.
/// </summary>
public sealed class DuplicateDeliveryTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    private static string Message(string id, string body = "the body") =>
        $"From: a@example.org\r\nTo: b@example.com\r\nMessage-ID: <{id}@example.org>\r\nSubject: dedup\r\n\r\n{body}\r\n.";

    [Fact]
    public async Task A_sender_that_sends_a_delivered_message_again_gets_250_and_the_recipient_gets_it_once()
    {
        await using var sink = ScriptedNextHop.Start();
        await using var gateway = await TestGateway.StartAsync(("relay-to", sink.Address), ("Queue:Suspended", "false"));
        Assert.Equal(250, (await SendAsync(gateway, "b@example.com", Message("retry-1"))).Code);
        await DeliveredAsync(gateway, 1);

        var again = await SendAsync(gateway, "b@example.com", Message("retry-1"));

        Assert.Equal(250, again.Code);
        Assert.Contains("already delivered as", again.Last, StringComparison.Ordinal);
        await Eventually.UntilAsync(() => gateway.Messages().Count == 0, Wait, () => "a message is still queued", 20);
        await Task.Delay(500, TestContext.Current.CancellationToken);
        Assert.Single(sink.Messages);
    }

    [Fact]
    public async Task A_copy_for_two_recipients_one_of_which_has_it_goes_to_the_other_only()
    {
        await using var sink = ScriptedNextHop.Start();
        await using var gateway = await TestGateway.StartAsync(("relay-to", sink.Address), ("Queue:Suspended", "false"));
        await SendAsync(gateway, "b@example.com", Message("two-1"));
        await DeliveredAsync(gateway, 1);

        Assert.Equal(250, (await SendAsync(gateway, ["b@example.com", "c@example.com"], Message("two-1"))).Code);
        await sink.WaitForMessagesAsync(2, Wait);
        await Task.Delay(500, TestContext.Current.CancellationToken);

        Assert.Equal(["b@example.com", "c@example.com"], sink.Messages.SelectMany(m => m.Recipients).Order());
        using var http = AdminHttp.For(gateway);
        Assert.Equal(1, MetricsText.Value(await http.TextAsync("/metrics"), "transportguard_duplicates_suppressed_total"));
    }

    [Fact]
    public async Task Two_messages_with_one_Message_ID_and_different_bodies_are_both_delivered()
    {
        await using var sink = ScriptedNextHop.Start();
        await using var gateway = await TestGateway.StartAsync(("relay-to", sink.Address), ("Queue:Suspended", "false"));
        await SendAsync(gateway, "b@example.com", Message("same-id", "first body"));
        await DeliveredAsync(gateway, 1);

        var second = await SendAsync(gateway, "b@example.com", Message("same-id", "second body"));

        Assert.Contains("queued as", second.Last, StringComparison.Ordinal);
        await sink.WaitForMessagesAsync(2, Wait);
    }

    /// <summary>A next hop that is one of our peers only took the message on: if it dies, a takeover of its copy
    /// (possibly by us) must get through, so our handoff is not remembered as a delivery (chaos rolling-restart seed
    /// 408: a hub that refused XSHADOW while stopping shadowed the message back to the edge, whose takeover copy was
    /// then suppressed by the edge's record of the handoff, and lost).</summary>
    [Fact]
    public async Task A_handoff_to_a_peer_is_not_remembered_as_a_delivery()
    {
        await using var peer = ScriptedNextHop.Start(new NextHopScript
        {
            Extensions = ["PIPELINING", "8BITMIME", "SIZE 10485760", "ENHANCEDSTATUSCODES", "SMTPUTF8", "XSHADOW"],
        });
        await using var gateway = await TestGateway.StartAsync(("relay-to", peer.Address), ("Queue:Suspended", "false"));
        await SendAsync(gateway, "b@example.com", Message("handoff-1"));
        await peer.WaitForMessagesAsync(1, Wait);
        await Eventually.UntilAsync(() => gateway.Messages().Count == 0, Wait, () => "the message is still queued", 20);

        var again = await SendAsync(gateway, "b@example.com", Message("handoff-1"));

        Assert.Contains("queued as", again.Last, StringComparison.Ordinal);
        await peer.WaitForMessagesAsync(2, Wait);
        using var http = AdminHttp.For(gateway);
        Assert.Equal(0, MetricsText.Value(await http.TextAsync("/metrics"), "transportguard_dedup_recorded_total"));
    }

    [Fact]
    public async Task What_was_delivered_is_remembered_across_a_kill_9()
    {
        await using var sink = ScriptedNextHop.Start();
        var data = TempDirectory.Create("dedup-kill");
        string[] args = ["--smtp", "127.0.0.1:0", "--http", "127.0.0.1:0", "--relay-to", sink.Address, "--Queue:Suspended", "false"];
        var first = await GatewayProcess.StartAsync(data, args);
        try
        {
            await using (var client = await RawSmtpClient.ConnectGreetedAsync(first.SmtpEndPoint))
            {
                await client.BeginDataAsync("a@example.org", "b@example.com");
                Assert.Equal(250, (await client.CommandAsync(Message("killed-1"))).Code);
            }
            await sink.WaitForMessagesAsync(1, Wait);
            using var http = AdminHttp.For(first);
            await Eventually.UntilAsync(async () => MetricsText.Find(await http.TextAsync("/metrics"), "transportguard_dedup_recorded_total") >= 1,
                Wait, () => "the delivery was never remembered", 20);
            await first.KillAsync(); // at once: no checkpoint, only the journal has it
        }
        finally
        {
            await first.DisposeAsync();
        }

        await using var second = await GatewayProcess.StartAsync(data, args);
        await using (var client = await RawSmtpClient.ConnectGreetedAsync(second.SmtpEndPoint))
        {
            await client.BeginDataAsync("a@example.org", "b@example.com");
            Assert.Contains("already delivered as", (await client.CommandAsync(Message("killed-1"))).Last, StringComparison.Ordinal);
        }
        await Task.Delay(500, TestContext.Current.CancellationToken);
        Assert.Single(sink.Messages);
        TempDirectory.Delete(data);
    }

    /// <summary>Until the gateway has remembered <paramref name="count"/> deliveries: the sink holding a message is
    /// not enough, its 250 is read (and the delivery written to the store) just after.</summary>
    private static async Task DeliveredAsync(TestGateway gateway, int count)
    {
        using var http = AdminHttp.For(gateway);
        await Eventually.UntilAsync(async () => MetricsText.Find(await http.TextAsync("/metrics"), "transportguard_dedup_recorded_total") >= count,
            Wait, () => $"fewer than {count} deliveries remembered", 20);
    }

    private static Task<RawSmtpClient.Reply> SendAsync(TestGateway gateway, string recipient, string message) => SendAsync(gateway, [recipient], message);

    private static async Task<RawSmtpClient.Reply> SendAsync(TestGateway gateway, string[] recipients, string message)
    {
        await using var client = await RawSmtpClient.ConnectGreetedAsync(gateway.SmtpEndPoint);
        await client.BeginEnvelopeAsync("a@example.org", recipients[0]);
        foreach (var more in recipients.Skip(1))
            Assert.Equal(250, (await client.CommandAsync($"RCPT TO:<{more}>")).Code);
        Assert.Equal(354, (await client.CommandAsync("DATA")).Code);
        return await client.CommandAsync(message);
    }
}
