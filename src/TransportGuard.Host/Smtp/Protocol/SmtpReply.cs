using System.Text;

namespace TransportGuard.Smtp.Protocol;

/// <summary>
/// One SMTP reply: a three-digit code, an RFC 3463 enhanced status code (omitted on the greeting and
/// EHLO lines, RFC 2034 section 3) and one or more text lines.
/// </summary>
internal sealed record SmtpReply(int Code, string? Enhanced, IReadOnlyList<string> Lines)
{
    public SmtpReply(int code, string? enhanced, string text) : this(code, enhanced, [text]) { }

    public bool IsPositive => Code is >= 200 and < 400;
    public bool IsTransient => Code is >= 400 and < 500;
    public bool IsPermanent => Code >= 500;

    /// <summary>Writes the reply in wire form: "250-..." continuation lines, then "250 ..." (RFC 5321 4.2.1).</summary>
    public int WriteTo(Span<byte> destination)
    {
        var written = 0;
        for (var i = 0; i < Lines.Count; i++)
        {
            var separator = i == Lines.Count - 1 ? ' ' : '-';
            var line = Enhanced is null
                ? $"{Code}{separator}{Lines[i]}\r\n"
                : $"{Code}{separator}{Enhanced} {Lines[i]}\r\n";
            written += Encoding.UTF8.GetBytes(line, destination[written..]);
        }
        return written;
    }

    public int MaxByteCount()
    {
        var total = 0;
        foreach (var line in Lines)
            total += 8 + (Enhanced?.Length ?? 0) + Encoding.UTF8.GetMaxByteCount(line.Length);
        return total;
    }

    public override string ToString()
    {
        var buffer = new byte[MaxByteCount()];
        return Encoding.UTF8.GetString(buffer, 0, WriteTo(buffer)).TrimEnd('\r', '\n');
    }
}
