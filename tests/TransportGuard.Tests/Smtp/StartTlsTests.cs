using TransportGuard.Tests.Support;

namespace TransportGuard.Tests.Smtp;

public sealed class StartTlsTests
{
    [Fact]
    public async Task Starttls_upgrades_resets_the_session_and_mail_is_marked_esmtps()
    {
        await using var gateway = await TestGateway.StartAsync();
        await using var client = await RawSmtpClient.ConnectGreetedAsync(gateway.SmtpEndPoint);
        Assert.Equal("220 2.0.0 Ready to start TLS", (await client.CommandAsync("STARTTLS")).Last);
        await client.StartTlsAsync();

        // RFC 3207 4.2: the client must greet again, and STARTTLS is no longer offered.
        Assert.Equal("503 5.5.1 Error: send HELO/EHLO first", (await client.CommandAsync("MAIL FROM:<a@example.org>")).Last);
        var ehlo = await client.CommandAsync("EHLO client.test");
        Assert.DoesNotContain(ehlo.Lines, l => l.Contains("STARTTLS", StringComparison.Ordinal));
        Assert.Equal("503 5.5.1 Error: TLS already active", (await client.CommandAsync("STARTTLS")).Last);

        await client.BeginDataAsync();
        Assert.Equal(250, (await client.CommandAsync("Subject: tls\r\n\r\nsecret\r\n.")).Code);
        Assert.Contains("with ESMTPS id", Assert.Single(gateway.Messages()).Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Commands_pipelined_after_starttls_are_discarded_not_run_inside_tls()
    {
        await using var gateway = await TestGateway.StartAsync();
        await using var client = await RawSmtpClient.ConnectGreetedAsync(gateway.SmtpEndPoint);
        // CVE-2011-0411: plaintext injected after STARTTLS must not be taken as if it came over TLS.
        await client.SendAsync("STARTTLS\r\nMAIL FROM:<injected@example.org>\r\n");
        Assert.Equal(220, (await client.ReadReplyAsync()).Code);
        await client.StartTlsAsync();
        await client.CommandAsync("EHLO client.test");
        Assert.Equal("503 5.5.1 Error: need MAIL command", (await client.CommandAsync("RCPT TO:<b@example.com>")).Last);
    }

    [Fact]
    public async Task Implicit_tls_listener_speaks_tls_from_the_first_byte()
    {
        await using var gateway = await TestGateway.StartAsync(("Smtp:ImplicitTlsListen", "127.0.0.1:0"));
        var tlsEndPoint = gateway.SmtpEndPoints[1];
        await using var client = await RawSmtpClient.ConnectAsync(tlsEndPoint);
        await client.StartTlsAsync();
        Assert.Equal(220, (await client.ReadReplyAsync()).Code);
        var ehlo = await client.CommandAsync("EHLO client.test");
        Assert.DoesNotContain(ehlo.Lines, l => l.Contains("STARTTLS", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Without_a_certificate_starttls_is_neither_offered_nor_accepted()
    {
        await using var gateway = await TestGateway.StartAsync(("Smtp:Tls:GenerateSelfSigned", "false"));
        await using var client = await RawSmtpClient.ConnectGreetedAsync(gateway.SmtpEndPoint, ehlo: null);
        Assert.DoesNotContain((await client.CommandAsync("EHLO c")).Lines, l => l.Contains("STARTTLS", StringComparison.Ordinal));
        Assert.Equal("502 5.5.1 Error: command not implemented", (await client.CommandAsync("STARTTLS")).Last);
    }

    [Fact]
    public async Task Require_tls_refuses_mail_in_plaintext()
    {
        await using var gateway = await TestGateway.StartAsync(("Smtp:RequireTls", "true"));
        await using var client = await RawSmtpClient.ConnectGreetedAsync(gateway.SmtpEndPoint);
        Assert.Equal("530 5.7.0 Must issue a STARTTLS command first", (await client.CommandAsync("MAIL FROM:<a@example.org>")).Last);
    }
}
