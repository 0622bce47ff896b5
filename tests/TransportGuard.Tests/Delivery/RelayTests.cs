using System.Text;
using TransportGuard.Tests.Support;

namespace TransportGuard.Tests.Delivery;

/// <summary>End to end over loopback: client -> gateway -> a scripted next hop, with its failures.</summary>
public sealed class RelayTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task A_relayed_message_arrives_byte_for_byte_with_our_received_header_and_leaves_the_queue()
    {
        await using var hop = ScriptedNextHop.Start();
        await using var gateway = await Relay.StartAsync(hop.Address);
        var body = Relay.Body("relay", "line one\r\n.leading dot\r\n..two dots\r\n.\r\nlast\r\n");
        var id = await Relay.SendAsync(gateway, "a@example.org", ["b@example.com", "c@example.net"], body);

        await hop.WaitForMessagesAsync(1, Wait);
        await Relay.DrainedAsync(gateway, Wait);
        var message = Assert.Single(hop.Messages);
        Assert.Equal("a@example.org", message.From);
        Assert.Equal(["b@example.com", "c@example.net"], message.Recipients);
        Assert.Contains($"with ESMTP id {id}", message.Text, StringComparison.Ordinal);
        Assert.EndsWith(body, message.Text, StringComparison.Ordinal);
        Assert.Contains("SIZE=", message.MailParameters, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pipelining_sends_mail_every_rcpt_and_data_in_one_flush_and_a_connection_carries_several_messages()
    {
        // The hop answers MAIL and RCPT only once DATA has come: a client that waited for them would time out.
        await using var hop = ScriptedNextHop.Start(new NextHopScript { HoldEnvelopeRepliesUntilBody = true });
        await using var gateway = await Relay.StartAsync(hop.Address, ("Queue:MaxConcurrencyPerDestination", "1"));
        for (var i = 0; i < 5; i++)
            await Relay.SendAsync(gateway, "a@example.org", ["b@example.com"], Relay.Body($"reuse {i}"));

        await hop.WaitForMessagesAsync(5, Wait);
        Assert.Equal(5, hop.Messages.Count);
        Assert.True(hop.Connections < 5, $"{hop.Connections} connections for 5 messages: no reuse");
    }

    [Fact]
    public async Task A_next_hop_that_answers_4xx_and_recovers_gets_the_message_once_on_a_retry()
    {
        await using var hop = ScriptedNextHop.Start(new NextHopScript { DataReply = n => n <= 2 ? "451 4.3.0 try again later" : null });
        await using var gateway = await Relay.StartAsync(hop.Address);
        await Relay.SendAsync(gateway, "a@example.org", ["b@example.com"], Relay.Body("retry"));

        await hop.WaitForMessagesAsync(1, Wait);
        await Relay.DrainedAsync(gateway, Wait);
        Assert.Single(hop.Messages);
        Assert.Equal(3, hop.Transcript.Count(l => l == "DATA" || l.StartsWith("BDAT", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_next_hop_that_drops_the_connection_mid_data_gets_the_message_once_later()
    {
        await using var hop = ScriptedNextHop.Start(new NextHopScript { DropDuringData = n => n == 1 });
        await using var gateway = await Relay.StartAsync(hop.Address);
        await Relay.SendAsync(gateway, "a@example.org", ["b@example.com"], Relay.Body("dropped"));

        await hop.WaitForMessagesAsync(1, Wait);
        await Relay.DrainedAsync(gateway, Wait);
        Assert.Single(hop.Messages);
        Assert.True(hop.Connections >= 2);
    }

    [Fact]
    public async Task Chunking_sends_the_body_as_bdat_without_dot_stuffing()
    {
        await using var hop = ScriptedNextHop.Start(new NextHopScript { Extensions = ["PIPELINING", "8BITMIME", "CHUNKING", "ENHANCEDSTATUSCODES"] });
        await using var gateway = await Relay.StartAsync(hop.Address);
        var body = Relay.Body("bdat", string.Concat(Enumerable.Repeat(".dotted line that is long enough\r\n", 20_000)));
        await Relay.SendAsync(gateway, "a@example.org", ["b@example.com"], body);

        await hop.WaitForMessagesAsync(1, Wait);
        var message = Assert.Single(hop.Messages);
        Assert.True(message.ViaBdat);
        Assert.EndsWith(body, message.Text, StringComparison.Ordinal);
        Assert.True(hop.Transcript.Count(l => l.StartsWith("BDAT", StringComparison.Ordinal)) >= 3, "a 700 KB body in 256 KiB chunks");
    }

    [Fact]
    public async Task A_small_message_to_a_chunking_next_hop_is_one_round_trip_and_refused_recipients_keep_the_session_in_step()
    {
        // The hop answers MAIL and RCPT only after the BDAT: a client that waited for them would time out.
        await using var hop = ScriptedNextHop.Start(new NextHopScript
        {
            Extensions = ["PIPELINING", "8BITMIME", "CHUNKING", "ENHANCEDSTATUSCODES"],
            HoldEnvelopeRepliesUntilBody = true,
            RcptReply = r => r.StartsWith("nobody", StringComparison.Ordinal) ? "550 5.1.1 no such user" : null,
        });
        await using var gateway = await Relay.StartAsync(hop.Address, ("Queue:MaxConcurrencyPerDestination", "1"), ("Delivery:CommandTimeout", "00:00:05"));
        var first = Relay.Body("one flush", ".dotted\r\n");
        await Relay.SendAsync(gateway, "a@example.org", ["b@example.com", "nobody1@example.com"], first);
        await Relay.SendAsync(gateway, "a@example.org", ["nobody2@example.com"], Relay.Body("refused"));
        var third = Relay.Body("after the refusal");
        await Relay.SendAsync(gateway, "a@example.org", ["c@example.com"], third);

        await hop.WaitForMessagesAsync(2, Wait);
        await Relay.DrainedAsync(gateway, Wait); // the two reports for nobody1 and nobody2 go to the hop as well
        var delivered = hop.Messages.Where(m => m.From == "a@example.org").ToList();
        Assert.Equal(2, delivered.Count);
        Assert.True(delivered.All(m => m.ViaBdat));
        var withFirst = Assert.Single(delivered, m => m.Text.EndsWith(first, StringComparison.Ordinal)); // no dot-stuffing in a chunk
        Assert.Equal(["b@example.com"], withFirst.Recipients);
        Assert.Single(delivered, m => m.Text.EndsWith(third, StringComparison.Ordinal));
        Assert.DoesNotContain(hop.Transcript, l => l == "DATA");
    }

    [Fact]
    public async Task A_next_hop_without_pipelining_is_spoken_to_one_command_at_a_time()
    {
        await using var hop = ScriptedNextHop.Start(new NextHopScript { Extensions = ["8BITMIME", "ENHANCEDSTATUSCODES"] });
        await using var gateway = await Relay.StartAsync(hop.Address);
        await Relay.SendAsync(gateway, "a@example.org", ["b@example.com", "c@example.com"], Relay.Body("lockstep"));

        await hop.WaitForMessagesAsync(1, Wait);
        Assert.Equal(["b@example.com", "c@example.com"], Assert.Single(hop.Messages).Recipients);
    }

    [Fact]
    public async Task A_next_hop_that_refuses_ehlo_is_spoken_to_with_helo()
    {
        await using var hop = ScriptedNextHop.Start(new NextHopScript { EhloReply = "502 5.5.1 EHLO not implemented" });
        await using var gateway = await Relay.StartAsync(hop.Address);
        await Relay.SendAsync(gateway, "a@example.org", ["b@example.com"], Relay.Body("helo"));

        await hop.WaitForMessagesAsync(1, Wait);
        Assert.Contains(hop.Transcript, l => l.StartsWith("HELO ", StringComparison.Ordinal));
        Assert.DoesNotContain("SIZE=", Assert.Single(hop.Messages).MailParameters, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_second_smart_host_takes_the_mail_when_the_first_refuses_the_session()
    {
        await using var busy = ScriptedNextHop.Start(new NextHopScript { Greeting = "421 4.3.2 busy, try later" });
        await using var hop = ScriptedNextHop.Start();
        await using var gateway = await Relay.StartAsync($"{busy.Address},{hop.Address}");
        await Relay.SendAsync(gateway, "a@example.org", ["b@example.com"], Relay.Body("second host"));

        await hop.WaitForMessagesAsync(1, Wait);
        Assert.Empty(busy.Messages);
        Assert.True(busy.Connections >= 1);
    }

    [Fact]
    public async Task An_8bit_message_is_refused_permanently_when_the_next_hop_lacks_8bitmime()
    {
        await using var hop = ScriptedNextHop.Start(new NextHopScript { Extensions = ["PIPELINING", "ENHANCEDSTATUSCODES"] });
        await using var gateway = await Relay.StartAsync(hop.Address);
        await using (var client = await RawSmtpClient.ConnectGreetedAsync(gateway.SmtpEndPoint))
        {
            Assert.Equal(250, (await client.CommandAsync("MAIL FROM:<> BODY=8BITMIME")).Code);
            Assert.Equal(250, (await client.CommandAsync("RCPT TO:<b@example.com>")).Code);
            Assert.Equal(354, (await client.CommandAsync("DATA")).Code);
            await client.SendAsync(Encoding.UTF8.GetBytes("Subject: caf\u00e9\r\n\r\nna\u00efve\r\n.\r\n"));
            Assert.Equal(250, (await client.ReadReplyAsync()).Code);
        }

        await Relay.DrainedAsync(gateway, Wait); // failed, and no report for the null sender
        Assert.Empty(hop.Messages);
        Assert.DoesNotContain(hop.Transcript, l => l.StartsWith("MAIL", StringComparison.Ordinal));
    }
}
