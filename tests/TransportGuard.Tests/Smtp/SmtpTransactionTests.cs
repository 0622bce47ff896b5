using System.Text;
using TransportGuard.Tests.Support;

namespace TransportGuard.Tests.Smtp;

/// <summary>Whole transactions over real loopback sockets into the real file sink.</summary>
public sealed class SmtpTransactionTests
{
    [Fact]
    public async Task A_message_is_stored_byte_for_byte_with_dots_unstuffed_and_a_received_header()
    {
        await using var gateway = await TestGateway.StartAsync();
        await using var client = await RawSmtpClient.ConnectGreetedAsync(gateway.SmtpEndPoint);
        Assert.Equal("250 2.1.0 Ok", (await client.CommandAsync("MAIL FROM:<alice@example.org> BODY=8BITMIME SIZE=100")).Last);
        Assert.Equal("250 2.1.5 Ok", (await client.CommandAsync("RCPT TO:<bob@example.com>")).Last);
        Assert.Equal(354, (await client.CommandAsync("DATA")).Code);
        await client.SendAsync("Subject: dots\r\n\r\n..leading dot\r\n..\r\n... three\r\nnot.a.dot\r\n8bit: é\r\n.\r\n");
        var queued = await client.ReadReplyAsync();
        Assert.Matches("^250 2.0.0 Ok: queued as [0-9A-Z]{15}$", queued.Last);

        var stored = Assert.Single(gateway.Messages());
        Assert.Equal("Subject: dots\r\n\r\n.leading dot\r\n.\r\n.. three\r\nnot.a.dot\r\n8bit: é\r\n", stored.Body);
        Assert.Equal(queued.Last[^15..], stored.Envelope.QueueId);
        Assert.Equal("alice@example.org", stored.Envelope.ReversePath);
        Assert.Equal(["bob@example.com"], stored.Recipients);
        Assert.Matches(@"^Received: from client\.test \(\[127\.0\.0\.1\]\)\r\n\tby mx\.test\.local \(TransportGuard\) with ESMTP id [0-9A-Z]{15}\r\n\tfor <bob@example\.com>;\r\n\t\w{3}, \d+ \w{3} \d{4} \d\d:\d\d:\d\d \+0000\r\n", stored.Text);
    }

    [Fact]
    public async Task Several_messages_in_one_session_each_get_their_own_id_and_rset_clears_the_envelope()
    {
        await using var gateway = await TestGateway.StartAsync();
        await using var client = await RawSmtpClient.ConnectGreetedAsync(gateway.SmtpEndPoint);
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            await client.CommandAsync($"MAIL FROM:<s{i}@example.org>");
            await client.CommandAsync("RCPT TO:<r@example.com>");
            await client.CommandAsync("DATA");
            ids.Add((await client.CommandAsync($"Subject: {i}\r\n\r\nbody {i}\r\n.")).Last[^15..]);
        }
        await client.CommandAsync("MAIL FROM:<dropped@example.org>");
        Assert.Equal("250 2.0.0 Ok", (await client.CommandAsync("RSET")).Last);
        Assert.Equal(503, (await client.CommandAsync("RCPT TO:<r@example.com>")).Code);
        Assert.Equal(221, (await client.CommandAsync("QUIT")).Code);
        Assert.True(await client.IsClosedByServerAsync());

        var messages = gateway.Messages();
        Assert.Equal(ids, messages.Select(m => m.Envelope.QueueId));
        Assert.Equal(["s0@example.org", "s1@example.org", "s2@example.org"], messages.Select(m => m.Envelope.ReversePath));
    }

    [Fact]
    public async Task The_null_sender_of_a_bounce_and_postmaster_are_accepted()
    {
        await using var gateway = await TestGateway.StartAsync(("Smtp:Relay:RelayNetworks:0", "192.0.2.0/24"));
        await using var client = await RawSmtpClient.ConnectGreetedAsync(gateway.SmtpEndPoint);
        Assert.Equal(250, (await client.CommandAsync("MAIL FROM:<>")).Code);
        Assert.Equal(250, (await client.CommandAsync("RCPT TO:<Postmaster>")).Code);
        await client.CommandAsync("DATA");
        Assert.Equal(250, (await client.CommandAsync("Subject: bounce\r\n\r\nx\r\n.")).Code);
        Assert.Equal("", Assert.Single(gateway.Messages()).Envelope.ReversePath);
    }

    [Fact]
    public async Task Ehlo_advertises_the_extensions_and_helo_gets_a_plain_reply()
    {
        await using var gateway = await TestGateway.StartAsync(("Smtp:Limits:MaxMessageSize", "5000000"));
        await using var client = await RawSmtpClient.ConnectGreetedAsync(gateway.SmtpEndPoint, ehlo: null);
        var ehlo = await client.CommandAsync("EHLO client.test");
        Assert.Equal(
            ["250-mx.test.local Hello client.test [127.0.0.1]", "250-PIPELINING", "250-SIZE 5000000", "250-8BITMIME", "250-SMTPUTF8",
             "250-ENHANCEDSTATUSCODES", "250-CHUNKING", "250-BINARYMIME", "250 STARTTLS"],
            ehlo.Lines);
        Assert.Equal("250 mx.test.local", (await client.CommandAsync("HELO client.test")).Last);
        Assert.Equal("555 5.5.4 Error: MAIL parameters need EHLO", (await client.CommandAsync("MAIL FROM:<a@b.example> SIZE=10")).Last);
    }

    [Theory]
    [InlineData("VRFY bob", "252 2.0.0 Cannot VRFY user, but will accept message and attempt delivery")]
    [InlineData("NOOP", "250 2.0.0 Ok")]
    [InlineData("HELP", "214 2.0.0 See RFC 5321")]
    [InlineData("XSHADOW node-a", "500 5.5.1 Error: command not recognized")]
    [InlineData("XQUERYDISCARD node-a 0", "500 5.5.1 Error: command not recognized")]
    [InlineData("MAIL FROM:<a@b.example> BODY=QUANTUM", "555 5.5.4 Error: unsupported BODY type QUANTUM")]
    [InlineData("MAIL FROM:<a@b.example> RET=HDRS", "555 5.5.4 Error: unsupported MAIL parameter RET")]
    [InlineData("MAIL FROM:<ü@b.example>", "553 5.6.7 Error: non-ASCII address requires SMTPUTF8 (RFC 6531)")]
    [InlineData("DATA", "503 5.5.1 Error: need MAIL command")]
    [InlineData("STARTTLS now", "501 5.5.4 Syntax: STARTTLS")]
    public async Task Single_commands_get_their_documented_replies(string command, string reply)
    {
        await using var gateway = await TestGateway.StartAsync();
        await using var client = await RawSmtpClient.ConnectGreetedAsync(gateway.SmtpEndPoint);
        Assert.Equal(reply, (await client.CommandAsync(command)).Last);
    }

    [Fact]
    public async Task A_pipelined_group_gets_every_reply_in_order()
    {
        await using var gateway = await TestGateway.StartAsync();
        await using var client = await RawSmtpClient.ConnectGreetedAsync(gateway.SmtpEndPoint);
        await client.SendAsync("MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.com>\r\nRCPT TO:<bad address>\r\nRCPT TO:<c@example.com>\r\nDATA\r\n");
        var replies = new List<string>();
        for (var i = 0; i < 5; i++)
            replies.Add((await client.ReadReplyAsync()).Last);
        Assert.Equal(["250 2.1.0 Ok", "250 2.1.5 Ok", "501 5.1.7 Error: bad address syntax <bad address>", "250 2.1.5 Ok", "354 End data with <CR><LF>.<CR><LF>"], replies);
        // The message and the next transaction pipelined behind it (RFC 2920 3.1: end of data may be followed at once).
        await client.SendAsync("Subject: p\r\n\r\nx\r\n.\r\nMAIL FROM:<a2@example.org>\r\nRCPT TO:<b2@example.com>\r\nDATA\r\n");
        Assert.StartsWith("250 2.0.0 Ok: queued as", (await client.ReadReplyAsync()).Last, StringComparison.Ordinal);
        Assert.Equal(250, (await client.ReadReplyAsync()).Code);
        Assert.Equal(250, (await client.ReadReplyAsync()).Code);
        Assert.Equal(354, (await client.ReadReplyAsync()).Code);
        Assert.Equal(250, (await client.CommandAsync("Subject: q\r\n\r\ny\r\n.")).Code);
        Assert.Equal(
            [["b@example.com", "c@example.com"], ["b2@example.com"]],
            gateway.Messages().Select(m => m.Recipients));
    }

    [Fact]
    public async Task Bdat_chunks_are_stored_exactly_without_dot_processing()
    {
        await using var gateway = await TestGateway.StartAsync();
        await using var client = await RawSmtpClient.ConnectGreetedAsync(gateway.SmtpEndPoint);
        await client.BeginEnvelopeAsync();
        var part1 = "Subject: chunked\r\n\r\n.not stuffed\r\n";
        var part2 = ".\r\nend\r\n";
        await client.SendAsync($"BDAT {Encoding.UTF8.GetByteCount(part1)}\r\n{part1}BDAT {Encoding.UTF8.GetByteCount(part2)}\r\n{part2}BDAT 0 LAST\r\n");
        Assert.Equal($"250 2.0.0 Ok: {Encoding.UTF8.GetByteCount(part1)} octets received", (await client.ReadReplyAsync()).Last);
        Assert.Equal(250, (await client.ReadReplyAsync()).Code);
        Assert.StartsWith("250 2.0.0 Ok: queued as", (await client.ReadReplyAsync()).Last, StringComparison.Ordinal);
        Assert.Equal(part1 + part2, Assert.Single(gateway.Messages()).Body);
    }

    [Fact]
    public async Task A_refused_bdat_has_its_payload_read_off_the_wire_not_run_as_commands()
    {
        await using var gateway = await TestGateway.StartAsync();
        await using var client = await RawSmtpClient.ConnectGreetedAsync(gateway.SmtpEndPoint);
        var payload = "MAIL FROM:<evil@example.org>\r\n";
        await client.SendAsync($"BDAT {payload.Length} LAST\r\n{payload}NOOP\r\n");
        Assert.Equal("503 5.5.1 Error: need MAIL command", (await client.ReadReplyAsync()).Last);
        Assert.Equal("250 2.0.0 Ok", (await client.ReadReplyAsync()).Last);
        Assert.Equal("503 5.5.1 Error: need MAIL command", (await client.CommandAsync("RCPT TO:<b@example.com>")).Last);
    }

    [Fact]
    public async Task Binarymime_content_goes_through_bdat_untouched_and_never_over_data()
    {
        await using var gateway = await TestGateway.StartAsync();
        await using var client = await RawSmtpClient.ConnectGreetedAsync(gateway.SmtpEndPoint);
        Assert.Equal(250, (await client.CommandAsync("MAIL FROM:<a@example.org> BODY=BINARYMIME")).Code);
        await client.CommandAsync("RCPT TO:<b@example.com>");
        Assert.Equal("503 5.5.1 Error: BODY=BINARYMIME requires BDAT, not DATA (RFC 3030 3)", (await client.CommandAsync("DATA")).Last);

        await client.CommandAsync("MAIL FROM:<a@example.org> BODY=BINARYMIME");
        await client.CommandAsync("RCPT TO:<b@example.com>");
        const string Content = "Content-Transfer-Encoding: binary\r\n\r\nbare\nLF and \0 and \r.\r";
        await client.SendAsync($"BDAT {Content.Length} LAST\r\n{Content}");
        Assert.StartsWith("250 2.0.0 Ok: queued as", (await client.ReadReplyAsync()).Last, StringComparison.Ordinal);
        Assert.Equal(Content, gateway.Messages().Single().Body);
    }

    [Fact]
    public async Task Data_after_bdat_is_a_bad_sequence()
    {
        await using var gateway = await TestGateway.StartAsync();
        await using var client = await RawSmtpClient.ConnectGreetedAsync(gateway.SmtpEndPoint);
        await client.BeginEnvelopeAsync();
        await client.SendAsync("BDAT 3\r\nabc");
        Assert.Equal(250, (await client.ReadReplyAsync()).Code);
        Assert.Equal("503 5.5.1 Error: bad sequence of commands", (await client.CommandAsync("DATA")).Last);
    }

    [Fact]
    public async Task Many_concurrent_sessions_each_deliver_their_messages()
    {
        await using var gateway = await TestGateway.StartAsync();
        const int Sessions = 25, PerSession = 4;
        await Task.WhenAll(Enumerable.Range(0, Sessions).Select(async s =>
        {
            await using var client = await RawSmtpClient.ConnectGreetedAsync(gateway.SmtpEndPoint);
            for (var m = 0; m < PerSession; m++)
            {
                await client.SendAsync($"MAIL FROM:<s{s}@example.org>\r\nRCPT TO:<m{m}@example.com>\r\nDATA\r\n");
                for (var i = 0; i < 3; i++)
                    await client.ReadReplyAsync();
                Assert.Equal(250, (await client.CommandAsync($"Subject: {s}-{m}\r\n\r\nsession {s} message {m}\r\n.")).Code);
            }
        }));
        var bodies = gateway.Messages().Select(m => m.Body).ToHashSet();
        Assert.Equal(Sessions * PerSession, bodies.Count);
        Assert.Contains("Subject: 7-3\r\n\r\nsession 7 message 3\r\n", bodies);
    }
}
