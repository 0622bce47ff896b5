using System.Buffers;
using System.Globalization;
using System.Text;
using TransportGuard.Smtp.Protocol;

namespace TransportGuard.Delivery.Smtp;

/// <summary>A next hop broke the protocol (a malformed or endless reply); the connection cannot be trusted further.</summary>
internal sealed class SmtpProtocolException(string message) : IOException(message);

/// <summary>
/// Reads one reply, single- or multi-line (RFC 5321 4.2.1), from a pipe buffer without consuming a partial one.
/// Bounded like the server side: lines and line counts are capped so a next hop cannot make us buffer without end.
/// </summary>
internal static class ReplyParser
{
    public const int MaxLineLength = 4096;
    public const int MaxLines = 200;

    public static bool TryRead(ref ReadOnlySequence<byte> buffer, out SmtpReply reply)
    {
        reply = null!;
        var rest = buffer;
        var lines = new List<string>();
        var code = 0;
        while (true)
        {
            var status = CommandLineReader.TryRead(ref rest, MaxLineLength, out var raw);
            if (status == LineStatus.Incomplete)
                return false;
            if (status != LineStatus.Complete)
                throw new SmtpProtocolException($"next hop sent a malformed reply line ({status})");
            var line = Encoding.UTF8.GetString(raw);
            if (line.Length < 3 || !int.TryParse(line.AsSpan(0, 3), NumberStyles.None, CultureInfo.InvariantCulture, out var lineCode) || lineCode < 200 || lineCode > 599
                || line.Length > 3 && line[3] is not (' ' or '-') || code != 0 && lineCode != code)
                throw new SmtpProtocolException($"next hop sent a malformed reply: '{Truncate(line)}'");
            code = lineCode;
            lines.Add(line.Length > 4 ? line[4..] : "");
            if (lines.Count > MaxLines)
                throw new SmtpProtocolException("next hop sent a reply of too many lines");
            if (line.Length == 3 || line[3] == ' ')
                break;
        }
        buffer = rest;
        reply = Build(code, lines);
        return true;
    }

    /// <summary>Splits off an RFC 2034 enhanced status code ("5.1.1 ...") whose class matches the reply code.</summary>
    private static SmtpReply Build(int code, List<string> lines)
    {
        var space = lines[0].IndexOf(' ', StringComparison.Ordinal);
        var first = space < 0 ? lines[0] : lines[0][..space];
        if (!IsEnhanced(first, code))
            return new SmtpReply(code, null, lines);
        var prefix = first + " ";
        return new SmtpReply(code, first, [.. lines.Select(l => l.StartsWith(prefix, StringComparison.Ordinal) ? l[prefix.Length..] : l == first ? "" : l)]);
    }

    private static bool IsEnhanced(string token, int code)
    {
        var parts = token.Split('.');
        return parts.Length == 3 && parts[0] == (code / 100).ToString(CultureInfo.InvariantCulture)
            && parts.Skip(1).All(p => p.Length is >= 1 and <= 3 && p.All(char.IsAsciiDigit));
    }

    private static string Truncate(string line) => line.Length > 80 ? line[..80] + "..." : line;
}
