using System.Buffers;

namespace TransportGuard.Smtp.Protocol;

internal enum LineStatus
{
    /// <summary>A whole line ending in CRLF was taken from the buffer.</summary>
    Complete,
    /// <summary>No line end yet and still within the limit: read more.</summary>
    Incomplete,
    /// <summary>The line exceeds the limit. If its end was seen it was consumed; otherwise the caller skips to it.</summary>
    TooLong,
    /// <summary>A line ended in a bare LF or held a bare CR (SMTP smuggling, RFC 5321 2.3.8); the line was consumed.</summary>
    BareLineEnding,
}

/// <summary>
/// Takes command lines off a pipe buffer, refusing to look further than the line limit (RFC 5321 4.5.3.1.4)
/// so that a client can never make us buffer an unbounded line.
/// </summary>
internal static class CommandLineReader
{
    private const byte Cr = (byte)'\r';
    private const byte Lf = (byte)'\n';

    /// <param name="maxLength">The longest line accepted, CRLF included.</param>
    /// <param name="line">On <see cref="LineStatus.Complete"/>, the line without its CRLF.</param>
    public static LineStatus TryRead(ref ReadOnlySequence<byte> buffer, int maxLength, out ReadOnlySequence<byte> line)
    {
        line = default;
        var window = buffer.Length > maxLength ? buffer.Slice(0, maxLength) : buffer;
        var lf = window.PositionOf(Lf);
        if (lf is null)
            return buffer.Length >= maxLength ? LineStatus.TooLong : LineStatus.Incomplete;

        var withLf = buffer.Slice(0, lf.Value);
        buffer = buffer.Slice(buffer.GetPosition(1, lf.Value));
        if (withLf.Length == 0 || !EndsWithCr(withLf))
            return LineStatus.BareLineEnding;
        line = withLf.Slice(0, withLf.Length - 1);
        return line.PositionOf(Cr) is null ? LineStatus.Complete : LineStatus.BareLineEnding;
    }

    /// <summary>Drops bytes up to and including the next LF. Returns false when the buffer ran out first.</summary>
    public static bool SkipPastLineEnd(ref ReadOnlySequence<byte> buffer)
    {
        var lf = buffer.PositionOf(Lf);
        if (lf is null)
        {
            buffer = buffer.Slice(buffer.End);
            return false;
        }
        buffer = buffer.Slice(buffer.GetPosition(1, lf.Value));
        return true;
    }

    private static bool EndsWithCr(in ReadOnlySequence<byte> sequence) =>
        sequence.Slice(sequence.Length - 1).FirstSpan[0] == Cr;
}
