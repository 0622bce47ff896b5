using System.Text;
using TransportGuard.Spool;

namespace TransportGuard.Delivery.Smtp;

/// <summary>
/// What a spooled message needs from a next hop, from the parameters its sender gave: 8BITMIME (RFC 6152),
/// BINARYMIME with CHUNKING (RFC 3030), SMTPUTF8 (RFC 6531) and room for its size (RFC 1870). We never convert
/// content, so a next hop without what the message needs gets a clear permanent failure instead.
/// </summary>
internal sealed record MessageNeeds(string Body, bool SmtpUtf8)
{
    public static MessageNeeds Of(SpooledEnvelope envelope)
    {
        var body = "7BIT";
        var utf8 = false;
        foreach (var token in envelope.MailParameters.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (token.StartsWith("BODY=", StringComparison.OrdinalIgnoreCase))
                body = token[5..].ToUpperInvariant();
            else if (token.Equals("SMTPUTF8", StringComparison.OrdinalIgnoreCase))
                utf8 = true;
        }
        return new MessageNeeds(body, utf8);
    }

    public (string Status, string Reason)? Refusal(NextHopCapabilities next, long length, string remote)
    {
        if (next.MaxSize > 0 && length > next.MaxSize)
            return ("5.3.4", $"message of {length} bytes exceeds the size limit of {next.MaxSize} bytes of {remote}");
        if (Body == "8BITMIME" && !next.EightBitMime)
            return ("5.6.3", $"8-bit message, and {remote} does not offer 8BITMIME (conversion is not done here)");
        if (Body == "BINARYMIME" && !(next.BinaryMime && next.Chunking))
            return ("5.6.3", $"binary message, and {remote} does not offer BINARYMIME with CHUNKING");
        if (SmtpUtf8 && !next.SmtpUtf8)
            return ("5.6.7", $"internationalized message (SMTPUTF8), and {remote} does not offer SMTPUTF8");
        return null;
    }

    public string MailCommand(SpooledEnvelope envelope, NextHopCapabilities next)
    {
        var command = new StringBuilder("MAIL FROM:<").Append(envelope.ReversePath).Append('>');
        if (next.Size)
            command.Append(" SIZE=").Append(envelope.Length);
        if (Body != "7BIT")
            command.Append(" BODY=").Append(Body);
        if (SmtpUtf8)
            command.Append(" SMTPUTF8");
        return command.ToString();
    }
}
