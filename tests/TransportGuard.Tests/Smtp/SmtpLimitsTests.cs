using System.Text;
using TransportGuard.Tests.Support;

namespace TransportGuard.Tests.Smtp;

/// <summary>Each limit of SmtpLimits, met over a real socket, with its reply and enhanced code.</summary>
public sealed class SmtpLimitsTests
{
    [Fact]
    public async Task A_command_line_over_512_octets_gets_500_5_5_2_and_the_session_goes_on()
    {
        await using var gateway = await TestGateway.StartAsync();
        await using var client = await RawSmtpClient.ConnectGreetedAsync(gateway.SmtpEndPoint);
        Assert.Equal("250 2.0.0 Ok", (await client.CommandAsync("NOOP " + new string('x', 505))).Last); // 512 with CRLF
        Assert.Equal("500 5.5.2 Error: line too long", (await client.CommandAsync("NOOP " + new string('x', 506))).Last);
        // Far beyond the limit: never buffered, skipped to its end.
        Assert.Equal("500 5.5.2 Error: line too long", (await client.CommandAsync("NOOP " + new string('x', 200_000))).Last);
        Assert.Equal("250 2.0.0 Ok", (await client.CommandAsync("NOOP")).Last);
    }

    [Fact]
    public async Task Mail_and_rcpt_lines_may_be_longer_for_their_parameters_but_are_bounded_too()
    {
        await using var gateway = await TestGateway.StartAsync();
        await using var client = await RawSmtpClient.ConnectGreetedAsync(gateway.SmtpEndPoint);
        var local = new string('a', 64);
        var domain = string.Join('.', Enumerable.Repeat(new string('d', 60), 3)); // the whole path stays within 256 octets
        var padding = new string(' ', 300); // RFC 1869 4.1.2: parameters may take MAIL and RCPT past 512 octets
        Assert.Equal(250, (await client.CommandAsync($"MAIL FROM:<{local}@{domain}> SIZE=100 BODY=8BITMIME{padding}SMTPUTF8")).Code);
        Assert.Equal(250, (await client.CommandAsync($"RCPT TO:<{local}@{domain}>{padding}")).Code);
        Assert.Equal("500 5.5.2 Error: line too long", (await client.CommandAsync($"RCPT TO:<{local}@{domain}>" + new string(' ', 800))).Last);
        Assert.Equal("500 5.5.2 Error: line too long", (await client.CommandAsync("NOOP" + padding + padding)).Last);
    }

    [Fact]
    public async Task A_text_line_over_1000_octets_refuses_the_message_with_550_5_6_0()
    {
        await using var gateway = await TestGateway.StartAsync();
        await using var client = await RawSmtpClient.ConnectGreetedAsync(gateway.SmtpEndPoint);
        await client.BeginDataAsync();
        Assert.StartsWith("550 5.6.0", (await client.CommandAsync("Subject: long\r\n\r\n" + new string('x', 999) + "\r\n.")).Last, StringComparison.Ordinal);
        Assert.Empty(gateway.Messages());
    }

    [Fact]
    public async Task The_size_is_counted_while_data_streams_not_only_from_the_size_parameter()
    {
        await using var gateway = await TestGateway.StartAsync(("Smtp:Limits:MaxMessageSize", "10000"));
        await using var client = await RawSmtpClient.ConnectGreetedAsync(gateway.SmtpEndPoint);
        Assert.Equal("552 5.3.4 Error: message size exceeds fixed maximum message size", (await client.CommandAsync("MAIL FROM:<a@example.org> SIZE=10001")).Last);

        await client.SendAsync("MAIL FROM:<a@example.org> SIZE=100\r\nRCPT TO:<b@example.com>\r\nDATA\r\n");
        for (var i = 0; i < 3; i++)
            await client.ReadReplyAsync();
        var body = new StringBuilder("Subject: big\r\n\r\n");
        while (body.Length < 200_000)
            body.Append(new string('y', 70)).Append("\r\n");
        Assert.Equal("552 5.3.4 Error: message size exceeds fixed maximum message size", (await client.CommandAsync(body + ".")).Last);
        Assert.Empty(gateway.Messages());
        Assert.Equal(0, gateway.Spool.Index.Count); // nothing half-written counts as a message
    }

    [Fact]
    public async Task A_bdat_chunk_that_crosses_the_size_limit_is_refused_at_once()
    {
        await using var gateway = await TestGateway.StartAsync(("Smtp:Limits:MaxMessageSize", "5000"));
        await using var client = await RawSmtpClient.ConnectGreetedAsync(gateway.SmtpEndPoint);
        await client.BeginEnvelopeAsync();
        var chunk = string.Concat(Enumerable.Repeat(new string('z', 98) + "\r\n", 60)); // 6000 octets
        await client.SendAsync($"BDAT {chunk.Length}\r\n{chunk}");
        Assert.Equal("552 5.3.4 Error: message size exceeds fixed maximum message size", (await client.ReadReplyAsync()).Last);
        Assert.Equal("503 5.5.1 Error: need MAIL command", (await client.CommandAsync("RCPT TO:<b@example.com>")).Last);
        Assert.Empty(gateway.Messages());
    }

    [Fact]
    public async Task Recipients_past_the_limit_get_452_4_5_3_and_the_message_keeps_the_accepted_ones()
    {
        await using var gateway = await TestGateway.StartAsync(("Smtp:Limits:MaxRecipients", "3"));
        await using var client = await RawSmtpClient.ConnectGreetedAsync(gateway.SmtpEndPoint);
        await client.CommandAsync("MAIL FROM:<a@example.org>");
        for (var i = 0; i < 3; i++)
            Assert.Equal(250, (await client.CommandAsync($"RCPT TO:<r{i}@example.com>")).Code);
        Assert.Equal("452 4.5.3 Error: too many recipients", (await client.CommandAsync("RCPT TO:<r3@example.com>")).Last);
        await client.CommandAsync("DATA");
        Assert.Equal(250, (await client.CommandAsync("Subject: x\r\n\r\nx\r\n.")).Code);
        Assert.Equal(3, Assert.Single(gateway.Messages()).Recipients.Length);
    }

    [Fact]
    public async Task Too_many_bad_commands_close_the_session_with_421_4_7_0()
    {
        await using var gateway = await TestGateway.StartAsync(("Smtp:Limits:MaxBadCommands", "3"));
        await using var client = await RawSmtpClient.ConnectGreetedAsync(gateway.SmtpEndPoint);
        Assert.Equal(500, (await client.CommandAsync("BOGUS")).Code);
        Assert.Equal(503, (await client.CommandAsync("RCPT TO:<a@example.com>")).Code);
        Assert.Equal("421 4.7.0 Error: too many errors, closing connection", (await client.CommandAsync("WHAT")).Last);
        Assert.True(await client.IsClosedByServerAsync());
    }

    [Fact]
    public async Task Sessions_past_the_total_limit_get_421_4_7_0()
    {
        await using var gateway = await TestGateway.StartAsync(("Smtp:Limits:MaxSessions", "2"));
        await using var first = await RawSmtpClient.ConnectGreetedAsync(gateway.SmtpEndPoint);
        await using var second = await RawSmtpClient.ConnectGreetedAsync(gateway.SmtpEndPoint);
        await using var third = await RawSmtpClient.ConnectAsync(gateway.SmtpEndPoint);
        Assert.Equal("421 4.7.0 Error: too many connections, try again later", (await third.ReadReplyAsync()).Last);
        Assert.True(await third.IsClosedByServerAsync());

        // A slot frees when a session ends.
        await first.CommandAsync("QUIT");
        Assert.True(await first.IsClosedByServerAsync());
        await using var fourth = await RawSmtpClient.ConnectGreetedAsync(gateway.SmtpEndPoint);
        Assert.Equal(250, (await fourth.CommandAsync("NOOP")).Code);
    }

    [Fact]
    public async Task Sessions_past_the_per_client_limit_get_421_4_7_0()
    {
        await using var gateway = await TestGateway.StartAsync(("Smtp:Limits:MaxSessionsPerClient", "1"));
        await using var first = await RawSmtpClient.ConnectGreetedAsync(gateway.SmtpEndPoint);
        await using var second = await RawSmtpClient.ConnectAsync(gateway.SmtpEndPoint);
        Assert.Equal("421 4.7.0 Error: too many connections from your address, try again later", (await second.ReadReplyAsync()).Last);
    }

    [Fact]
    public async Task An_idle_session_is_closed_with_421_4_4_2_on_the_real_clock_too()
    {
        await using var gateway = await TestGateway.StartAsync(("Smtp:Limits:CommandTimeout", "00:00:01"));
        await using var client = await RawSmtpClient.ConnectGreetedAsync(gateway.SmtpEndPoint);
        Assert.Equal("421 4.4.2 Error: timeout exceeded, closing connection", (await client.ReadReplyAsync()).Last);
        Assert.True(await client.IsClosedByServerAsync());
    }
}
