using System.Text;
using System.Globalization;
using TransportGuard.Smtp.Protocol;

namespace TransportGuard.Smtp.Session;

internal sealed partial class SmtpSession
{
    /// <summary>The MAIL parameters we implement; any other is refused with 555 5.5.4 (RFC 5321 4.1.1.11).</summary>
    private static readonly HashSet<string> KnownMailParameters = new(StringComparer.OrdinalIgnoreCase) { "SIZE", "BODY", "SMTPUTF8" };
    private static readonly HashSet<string> BodyTypes = new(StringComparer.OrdinalIgnoreCase) { "7BIT", "8BITMIME", "BINARYMIME" };

    private void Mail(MailCommand mail)
    {
        if (_services.Server.RequireTls && !_connection.IsSecure)
        {
            Reply(SmtpReplies.MustIssueStartTls);
            return;
        }
        if (CheckMailParameters(mail) is { } refusal)
        {
            Reply(refusal);
            return;
        }
        // RFC 1870 6.1 / RFC 3463: too little storage now is a transient refusal, before any data is sent.
        long.TryParse(mail.Parameters["SIZE"], NumberStyles.None, CultureInfo.InvariantCulture, out var declared);
        if (!_services.Sink.HasCapacity(declared))
        {
            LogStorageLow(Id);
            Reply(SmtpReplies.InsufficientStorage);
            return;
        }
        _transaction = new Transaction(mail.ReversePath, mail.Parameters);
        _state = SessionState.MailGiven;
        Reply(SmtpReplies.SenderOk);
    }

    private SmtpReply? CheckMailParameters(MailCommand mail)
    {
        foreach (var (keyword, _) in mail.Parameters.Items)
        {
            if (!KnownMailParameters.Contains(keyword) && !_services.Extensions.Any(e => e.MailParameters(Info).Contains(keyword, StringComparer.OrdinalIgnoreCase)))
                return SmtpReplies.BadParameter($"Error: unsupported MAIL parameter {keyword}");
            if (!_esmtp)
                return SmtpReplies.BadParameter("Error: MAIL parameters need EHLO");
        }
        // RFC 1870 6: a declared size over our limit is refused before any data is sent.
        if (mail.Parameters["SIZE"] is { } size)
        {
            if (!long.TryParse(size, NumberStyles.None, CultureInfo.InvariantCulture, out var declared))
                return SmtpReplies.SyntaxError("SIZE=number");
            if (declared > _limits.MaxMessageSize)
                return SmtpReplies.MessageTooBig;
        }
        // RFC 6152 8BITMIME and RFC 3030 BINARYMIME (which only BDAT may carry).
        var body = mail.Parameters["BODY"];
        if (body is not null && !BodyTypes.Contains(body))
            return SmtpReplies.BadParameter($"Error: unsupported BODY type {body}");
        if (mail.Parameters.Contains("SMTPUTF8") && mail.Parameters["SMTPUTF8"] is not null)
            return SmtpReplies.SyntaxError("SMTPUTF8 takes no value");
        if (!mail.Parameters.Contains("SMTPUTF8") && !Ascii.IsValid(mail.ReversePath))
            return SmtpReplies.NonAsciiWithoutSmtpUtf8;
        return null;
    }

    private void Rcpt(RcptCommand rcpt)
    {
        var transaction = _transaction!;
        if (rcpt.Parameters.Items.Count > 0)
        {
            Reply(SmtpReplies.BadParameter($"Error: unsupported RCPT parameter {rcpt.Parameters.Items[0].Key}"));
            return;
        }
        if (transaction.Recipients.Count >= _limits.MaxRecipients)
        {
            Reply(SmtpReplies.TooManyRecipients);
            return;
        }
        if (!transaction.SmtpUtf8 && !Ascii.IsValid(rcpt.ForwardPath))
        {
            Reply(SmtpReplies.NonAsciiWithoutSmtpUtf8);
            return;
        }
        if (_peerId is null && !_services.Relay.MayAccept(_connection.RemoteEndPoint.Address, rcpt.ForwardPath)) // peers relay through each other
        {
            LogRelayDenied(Id, ClientIp, transaction.ReversePath, rcpt.ForwardPath);
            Reply(new SmtpReply(554, "5.7.1", $"<{rcpt.ForwardPath}>: Relay access denied"));
            return;
        }
        transaction.Recipients.Add(new EnvelopeRecipient(rcpt.ForwardPath, rcpt.Parameters));
        _state = SessionState.RcptGiven;
        Reply(SmtpReplies.RecipientOk);
    }
}
