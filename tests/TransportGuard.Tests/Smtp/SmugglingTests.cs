using TransportGuard.Tests.Support;

namespace TransportGuard.Tests.Smtp;

/// <summary>
/// SMTP smuggling (the 2023 disclosures): a message whose data holds a bare-LF or bare-CR "end of data" must never
/// be split into two messages. We refuse such data, as Postfix does with smtpd_forbid_bare_newline.
/// </summary>
public sealed class SmugglingTests
{
    public static TheoryData<string> SmuggledEnds => new()
    {
        "\n.\n",
        "\r.\r",
        "\r\n.\n",
        "\n.\r\n",
        "\r.\r\n",
    };

    [Theory]
    [MemberData(nameof(SmuggledEnds))]
    public async Task A_smuggled_second_message_is_never_accepted(string fakeEnd)
    {
        await using var gateway = await TestGateway.StartAsync();
        await using var client = await RawSmtpClient.ConnectGreetedAsync(gateway.SmtpEndPoint);
        await client.BeginDataAsync();
        await client.SendAsync(
            $"Subject: outer\r\n\r\nhello{fakeEnd}MAIL FROM:<ceo@example.com>\r\nRCPT TO:<victim@example.com>\r\nDATA\r\nSubject: smuggled\r\n\r\nwire money\r\n.\r\n");
        Assert.Equal("550 5.5.2 Error: bare <CR> or <LF> received in message data (RFC 5321 2.3.8)", (await client.ReadReplyAsync()).Last);
        // The session is back in command state, with no smuggled transaction open.
        Assert.Equal("503 5.5.1 Error: need MAIL command", (await client.CommandAsync("RCPT TO:<x@example.com>")).Last);
        Assert.Empty(gateway.Messages());
    }

    [Theory]
    [InlineData("NOOP\nNOOP\r\n")]
    [InlineData("NOOP\rNOOP\r\n")]
    public async Task Bare_line_endings_in_commands_are_refused(string raw)
    {
        await using var gateway = await TestGateway.StartAsync();
        await using var client = await RawSmtpClient.ConnectGreetedAsync(gateway.SmtpEndPoint);
        await client.SendAsync(raw);
        Assert.Equal("500 5.5.2 Error: bare <CR> or <LF> received in command", (await client.ReadReplyAsync()).Last);
        Assert.Equal("250 2.0.0 Ok", (await client.CommandAsync("NOOP")).Last);
    }

    [Fact]
    public async Task Bare_line_endings_in_bdat_content_refuse_the_message()
    {
        await using var gateway = await TestGateway.StartAsync();
        await using var client = await RawSmtpClient.ConnectGreetedAsync(gateway.SmtpEndPoint);
        await client.BeginEnvelopeAsync();
        const string Content = "Subject: x\r\n\r\nline\n.\nmore\r\n";
        await client.SendAsync($"BDAT {Content.Length} LAST\r\n{Content}");
        Assert.StartsWith("550 5.5.2", (await client.ReadReplyAsync()).Last, StringComparison.Ordinal);
        Assert.Empty(gateway.Messages());
    }
}
