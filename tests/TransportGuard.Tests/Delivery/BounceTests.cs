using MimeKit;
using TransportGuard.Tests.Support;

namespace TransportGuard.Tests.Delivery;

/// <summary>Permanent failures come back to the sender as one RFC 3464 report; never for a null sender.</summary>
public sealed class BounceTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task A_5xx_for_one_recipient_of_three_delivers_the_other_two_and_returns_one_report_with_its_status()
    {
        await using var hop = ScriptedNextHop.Start(new NextHopScript { RcptReply = r => r == "nobody@example.com" ? "550 5.1.1 <nobody@example.com>: Recipient address rejected: User unknown" : null });
        await using var gateway = await Relay.StartAsync(hop.Address);
        var id = await Relay.SendAsync(gateway, "sender@example.org", ["one@example.com", "nobody@example.com", "two@example.com"], Relay.Body("partly"));

        await hop.WaitForMessagesAsync(2, Wait); // the message, then the report to its sender
        await Relay.DrainedAsync(gateway, Wait);
        var messages = hop.Messages.ToList();
        Assert.Equal(2, messages.Count);
        Assert.Equal(["one@example.com", "two@example.com"], messages[0].Recipients);
        var bounce = messages[1];
        Assert.Equal("", bounce.From);
        Assert.Equal(["sender@example.org"], bounce.Recipients);

        var report = MimeMessage.Load(new MemoryStream(bounce.Content), TestContext.Current.CancellationToken);
        var multipart = Assert.IsType<MultipartReport>(report.Body);
        Assert.Equal("delivery-status", multipart.ReportType);
        Assert.Equal("auto-replied", report.Headers["Auto-Submitted"]);
        var status = Assert.Single(multipart.OfType<MessageDeliveryStatus>());
        var recipient = Assert.Single(status.StatusGroups.Skip(1), g => g.Count > 0); // MimeKit reads a trailing empty group
        Assert.Equal("rfc822; nobody@example.com", recipient["Final-Recipient"]);
        Assert.Equal("failed", recipient["Action"]);
        Assert.Equal("5.1.1", recipient["Status"]);
        Assert.Contains("User unknown", recipient["Diagnostic-Code"], StringComparison.Ordinal);
        Assert.Equal("dns; 127.0.0.1", recipient["Remote-MTA"]);
        Assert.Equal(id, status.StatusGroups[0]["X-TransportGuard-Queue-ID"]);
        var headers = Assert.Single(multipart.OfType<TextRfc822Headers>());
        Assert.Equal("partly", headers.Message!.Subject);
    }

    [Fact]
    public async Task A_failure_of_a_null_sender_message_is_not_reported_so_bounces_never_loop()
    {
        await using var hop = ScriptedNextHop.Start(new NextHopScript { RcptReply = _ => "550 5.1.1 User unknown" });
        await using var gateway = await Relay.StartAsync(hop.Address);
        await Relay.SendAsync(gateway, "", ["nobody@example.com"], Relay.Body("a bounce itself"));

        await Relay.DrainedAsync(gateway, Wait);
        Assert.Empty(hop.Messages);
        Assert.Single(hop.Transcript, l => l.StartsWith("MAIL", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_report_delivered_into_a_maildir_is_read_by_mimekit_as_a_delivery_status_report()
    {
        await using var hop = ScriptedNextHop.Start(new NextHopScript { DataReply = _ => "554 5.7.1 Message rejected as spam" });
        var mailbox = TempDirectory.Create("bounces");
        await using var gateway = await Relay.StartAsync(hop.Address, ("Delivery:Routes:example.org", "maildir:" + mailbox));
        using (var client = new MailKit.Net.Smtp.SmtpClient())
        {
            await client.ConnectAsync("127.0.0.1", gateway.Port, MailKit.Security.SecureSocketOptions.None, TestContext.Current.CancellationToken);
            var message = new MimeMessage();
            message.From.Add(MailboxAddress.Parse("alice@example.org"));
            message.To.Add(MailboxAddress.Parse("bob@example.com"));
            message.Subject = "will be refused";
            message.Body = new TextPart("plain") { Text = "hi" };
            await client.SendAsync(message, TestContext.Current.CancellationToken);
            await client.DisconnectAsync(true, TestContext.Current.CancellationToken);
        }

        await Relay.DrainedAsync(gateway, Wait);
        var file = Assert.Single(Directory.GetFiles(Path.Combine(mailbox, "new")));
        var report = await MimeMessage.LoadAsync(file, TestContext.Current.CancellationToken);
        Assert.Equal("<>", report.Headers[HeaderId.ReturnPath]); // from the null sender
        Assert.Equal("alice@example.org", report.Headers["Delivered-To"]);
        var body = Assert.IsType<MultipartReport>(report.Body);
        Assert.Equal("5.7.1", Assert.Single(body.OfType<MessageDeliveryStatus>()).StatusGroups[1]["Status"]);
        Assert.Equal("will be refused", Assert.Single(body.OfType<TextRfc822Headers>()).Message!.Subject);
        TempDirectory.Delete(mailbox);
    }
}
