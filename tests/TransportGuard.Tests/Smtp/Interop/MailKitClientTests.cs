using System.Text;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;
using TransportGuard.Tests.Support;

namespace TransportGuard.Tests.Smtp.Interop;

/// <summary>MailKit's SmtpClient, a client we did not write, against the gateway over loopback.</summary>
public sealed class MailKitClientTests
{
    private static MimeMessage Message(string to = "bob@example.com", string body = "Hello from MailKit.\r\n.leading dot line\r\n..two dots\r\n")
    {
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse("alice@example.org"));
        foreach (var address in to.Split(','))
            message.To.Add(MailboxAddress.Parse(address));
        message.Subject = "interop";
        message.Body = new TextPart("plain") { Text = body };
        return message;
    }

    private static async Task<(SmtpClient Client, MemoryStream Log)> ConnectAsync(TestGateway gateway, SecureSocketOptions security = SecureSocketOptions.None)
    {
        var log = new MemoryStream();
        var client = new SmtpClient(new ProtocolLogger(log, leaveOpen: true))
        {
            ServerCertificateValidationCallback = (_, certificate, _, _) => certificate?.Subject == "CN=mx.test.local",
            Timeout = 15_000,
        };
        await client.ConnectAsync("127.0.0.1", gateway.Port, security, TestContext.Current.CancellationToken);
        return (client, log);
    }

    private static string Text(MemoryStream log) => Encoding.UTF8.GetString(log.ToArray());

    [Fact]
    public async Task A_message_to_several_recipients_arrives_exactly_as_mimekit_wrote_it()
    {
        await using var gateway = await TestGateway.StartAsync();
        var (client, _) = await ConnectAsync(gateway);
        using (client)
        {
            var message = Message("bob@example.com,carol@example.com,dave@example.net");
            await client.SendAsync(message, TestContext.Current.CancellationToken);
            await client.DisconnectAsync(true, TestContext.Current.CancellationToken);

            var stored = Assert.Single(gateway.Messages());
            Assert.Equal(["bob@example.com", "carol@example.com", "dave@example.net"], stored.Recipients);
            Assert.Equal("alice@example.org", stored.Envelope.ReversePath);
            using var expected = new MemoryStream();
            await message.WriteToAsync(FormatOptions.Default.Clone(), expected, TestContext.Current.CancellationToken);
            Assert.Equal(Encoding.UTF8.GetString(expected.ToArray()).ReplaceLineEndings("\r\n"), stored.Body);
        }
    }

    [Fact]
    public async Task Mailkit_sees_the_extensions_and_pipelines_the_envelope()
    {
        await using var gateway = await TestGateway.StartAsync();
        var (client, log) = await ConnectAsync(gateway);
        using (client)
        {
            var expected = SmtpCapabilities.Pipelining | SmtpCapabilities.Size | SmtpCapabilities.EightBitMime | SmtpCapabilities.UTF8
                | SmtpCapabilities.EnhancedStatusCodes | SmtpCapabilities.Chunking | SmtpCapabilities.BinaryMime | SmtpCapabilities.StartTLS;
            Assert.Equal(expected, client.Capabilities & expected);
            Assert.Equal(35 * 1024 * 1024, (int)client.MaxSize);
            await client.SendAsync(Message("bob@example.com,carol@example.com"), TestContext.Current.CancellationToken);
            await client.DisconnectAsync(true, TestContext.Current.CancellationToken);
        }
        // With PIPELINING, MailKit writes MAIL and every RCPT before it reads a reply (RFC 2920).
        var lines = Text(log).Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        var mail = lines.FindIndex(l => l.StartsWith("C: MAIL FROM:", StringComparison.Ordinal));
        Assert.True(mail >= 0, Text(log));
        Assert.StartsWith("C: RCPT TO:<bob@example.com>", lines[mail + 1], StringComparison.Ordinal);
        Assert.StartsWith("C: RCPT TO:<carol@example.com>", lines[mail + 2], StringComparison.Ordinal);
        Assert.Single(gateway.Messages());
    }

    [Fact]
    public async Task Mailkit_sends_binary_content_with_bdat_and_it_arrives_intact()
    {
        await using var gateway = await TestGateway.StartAsync();
        var (client, log) = await ConnectAsync(gateway);
        // MailKit uses BDAT for content that needs BINARYMIME (RFC 3030 3): binary transfer encoding.
        var body = string.Concat(Enumerable.Range(0, 3000).Select(i => $".line {i} with a leading dot and 8bit é\r\n"));
        var message = Message(body: body);
        Assert.IsType<TextPart>(message.Body).ContentTransferEncoding = ContentEncoding.Binary;
        using (client)
        {
            await client.SendAsync(message, TestContext.Current.CancellationToken);
            await client.DisconnectAsync(true, TestContext.Current.CancellationToken);
        }
        Assert.Contains("BODY=BINARYMIME", Text(log), StringComparison.Ordinal);
        Assert.Contains("C: BDAT ", Text(log), StringComparison.Ordinal);
        Assert.DoesNotContain("C: DATA", Text(log), StringComparison.Ordinal);
        var stored = Assert.Single(gateway.Messages());
        var parsed = await MimeMessage.LoadAsync(new MemoryStream(Encoding.UTF8.GetBytes(stored.Body)), TestContext.Current.CancellationToken);
        Assert.Equal(body, Assert.IsType<TextPart>(parsed.Body).Text.ReplaceLineEndings("\r\n"));
    }

    [Fact]
    public async Task Starttls_with_mailkit_and_the_message_is_marked_esmtps()
    {
        await using var gateway = await TestGateway.StartAsync();
        var (client, _) = await ConnectAsync(gateway, SecureSocketOptions.StartTls);
        using (client)
        {
            Assert.True(client.IsSecure);
            await client.SendAsync(Message(), TestContext.Current.CancellationToken);
            await client.DisconnectAsync(true, TestContext.Current.CancellationToken);
        }
        Assert.Contains(" with ESMTPS id ", Assert.Single(gateway.Messages()).Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_smtputf8_address_is_accepted_and_kept()
    {
        await using var gateway = await TestGateway.StartAsync();
        var (client, log) = await ConnectAsync(gateway);
        using (client)
        {
            var message = Message("用户@例子.example");
            await client.SendAsync(message, TestContext.Current.CancellationToken);
            await client.DisconnectAsync(true, TestContext.Current.CancellationToken);
        }
        Assert.Contains(" SMTPUTF8", Text(log), StringComparison.Ordinal);
        var stored = Assert.Single(gateway.Messages());
        Assert.Equal(["用户@例子.example"], stored.Recipients);
        Assert.Contains(" with UTF8SMTP id ", stored.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_relay_denial_reaches_mailkit_as_554_for_that_recipient()
    {
        await using var gateway = await TestGateway.StartAsync(("Smtp:Relay:RelayNetworks:0", "192.0.2.0/24"));
        var (client, _) = await ConnectAsync(gateway);
        using (client)
        {
            var error = await Assert.ThrowsAsync<SmtpCommandException>(() => client.SendAsync(Message("victim@elsewhere.example"), TestContext.Current.CancellationToken));
            Assert.Equal(SmtpErrorCode.RecipientNotAccepted, error.ErrorCode);
            Assert.Equal(SmtpStatusCode.TransactionFailed, error.StatusCode);
            Assert.Equal("victim@elsewhere.example", error.Mailbox?.Address);
        }
        Assert.Empty(gateway.Messages());
    }
}
