using System.Globalization;
using System.Text;

namespace TransportGuard.Smtp.Session;

/// <summary>The trace header every hop prepends (RFC 5321 4.4), with the protocol names of RFC 3848 and RFC 6531.</summary>
internal static class ReceivedHeader
{
    public static byte[] Build(string heloName, string clientIp, string hostName, bool esmtp, bool secure, bool smtpUtf8,
        string queueId, IReadOnlyList<EnvelopeRecipient> recipients, DateTimeOffset now)
    {
        var protocol = (smtpUtf8, esmtp, secure) switch
        {
            (true, _, true) => "UTF8SMTPS",
            (true, _, false) => "UTF8SMTP",
            (false, true, true) => "ESMTPS",
            (false, true, false) => "ESMTP",
            _ => "SMTP",
        };
        // Name a single recipient only: listing all would disclose Bcc recipients to each other.
        var forClause = recipients.Count == 1 ? $"\r\n\tfor <{recipients[0].Address}>" : "";
        var date = now.ToUniversalTime().ToString("ddd, d MMM yyyy HH:mm:ss '+0000'", CultureInfo.InvariantCulture);
        var text = $"Received: from {Sanitize(heloName)} ([{clientIp}])\r\n\tby {hostName} (TransportGuard) with {protocol} id {queueId}{forClause};\r\n\t{date}\r\n";
        return Encoding.UTF8.GetBytes(text);
    }

    /// <summary>The HELO name is the client's text: keep it printable so it cannot break the header.</summary>
    private static string Sanitize(string value)
    {
        var builder = new StringBuilder(value.Length);
        foreach (var c in value)
            builder.Append(c is > ' ' and < '\x7f' && c != '(' && c != ')' ? c : '?');
        return builder.ToString();
    }
}
