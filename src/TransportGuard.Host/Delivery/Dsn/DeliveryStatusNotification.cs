using System.Text;
using MimeKit;
using MimeKit.Utils;

namespace TransportGuard.Delivery.Dsn;

/// <summary>
/// Builds the report returned to a sender (RFC 3464): multipart/report with a human-readable part, the
/// machine-readable message/delivery-status and the original's headers (text/rfc822-headers, RFC 6522), so that
/// both people and programs (MailKit, mailing-list managers) can tell which recipients failed and why.
/// </summary>
internal static class DeliveryStatusNotification
{
    public static MimeMessage Build(DsnRequest request)
    {
        var delayedOnly = request.Recipients.All(r => r.Action == "delayed");
        var message = new MimeMessage
        {
            Subject = delayedOnly ? "Delayed Mail (still being retried)" : "Undelivered Mail Returned to Sender",
            Date = request.Now,
            MessageId = MimeUtils.GenerateMessageId(request.ReportingMta),
        };
        message.From.Add(new MailboxAddress("Mail Delivery System", $"MAILER-DAEMON@{request.ReportingMta}"));
        if (MailboxAddress.TryParse(ParserOptions.Default, request.ReversePath, out var sender))
            message.To.Add(sender);
        else
            message.Headers.Add(HeaderId.To, Encoding.UTF8, $"<{request.ReversePath}>"); // odd but valid SMTP paths still get their report
        // RFC 3834 section 5: marks the report as automatic so that auto-responders never answer it.
        message.Headers.Add("Auto-Submitted", "auto-replied");

        var report = new MultipartReport("delivery-status") { HumanText(request, delayedOnly), DeliveryStatus(request) };
        if (OriginalHeaders(request.OriginalHeaders) is { } headers)
            report.Add(headers);
        message.Body = report;
        return message;
    }

    /// <summary>How much of the original's header block a report carries at most.</summary>
    public const int HeaderLimit = 64 * 1024;

    /// <summary>The header block: the bytes up to and including the first empty line, at most <paramref name="maxBytes"/>.</summary>
    public static ReadOnlyMemory<byte> HeaderBlock(ReadOnlyMemory<byte> message, int maxBytes = HeaderLimit)
    {
        var end = message.Span.IndexOf("\r\n\r\n"u8);
        var length = end >= 0 ? end + 4 : message.Length;
        return message[..Math.Min(length, maxBytes)];
    }

    private static TextPart HumanText(DsnRequest request, bool delayedOnly)
    {
        var text = new StringBuilder()
            .Append("This is the mail system at host ").Append(request.ReportingMta).Append(".\n\n")
            .Append(delayedOnly
                ? "Your message could not be delivered yet; it is still being retried.\n\n"
                : "I'm sorry to have to inform you that your message could not be delivered to one or more recipients.\n\n")
            .Append("Queue id: ").Append(request.OriginalQueueId).Append("\n\n");
        foreach (var recipient in request.Recipients)
            text.Append('<').Append(recipient.Address).Append(">: ").Append(recipient.Diagnostic).Append('\n');
        return new TextPart("plain") { Text = text.ToString() };
    }

    private static MessageDeliveryStatus DeliveryStatus(DsnRequest request)
    {
        var status = new MessageDeliveryStatus();
        var perMessage = new HeaderList
        {
            { "Reporting-MTA", "dns; " + request.ReportingMta },
            { "X-TransportGuard-Queue-ID", request.OriginalQueueId },
            { "Arrival-Date", DateUtils.FormatDate(request.ArrivalDate) },
        };
        status.StatusGroups.Add(perMessage);
        foreach (var recipient in request.Recipients)
        {
            // RFC 6533 section 3: a non-ASCII address is typed utf-8 rather than rfc822.
            var type = Ascii.IsValid(recipient.Address) ? "rfc822" : "utf-8";
            var fields = new HeaderList
            {
                { "Final-Recipient", $"{type}; {recipient.Address}" },
                { "Action", recipient.Action },
                { "Status", recipient.Status },
            };
            if (recipient.RemoteMta is { } remote)
                fields.Add("Remote-MTA", "dns; " + remote);
            fields.Add("Diagnostic-Code", "smtp; " + OneLine(recipient.Diagnostic));
            status.StatusGroups.Add(fields);
        }
        return status;
    }

    /// <summary>The original's headers as text/rfc822-headers, or null when nothing usable can be parsed from them.</summary>
    private static TextRfc822Headers? OriginalHeaders(ReadOnlyMemory<byte> headerBlock)
    {
        if (headerBlock.IsEmpty)
            return null;
        try
        {
            using var stream = new MemoryStream();
            stream.Write(headerBlock.Span);
            if (!headerBlock.Span.EndsWith("\r\n\r\n"u8))
                stream.Write("\r\n\r\n"u8);
            stream.Position = 0;
            var headers = HeaderList.Load(stream);
            var original = new MimeMessage(headers);
            return new TextRfc822Headers { Message = original };
        }
        catch (FormatException)
        {
            return null; // a report without the original headers is better than none
        }
    }

    private static string OneLine(string text) => text.Replace("\r", " ", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal);
}
