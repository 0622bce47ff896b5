using System.Buffers;
using System.IO.Pipelines;

namespace TransportGuard.Delivery.Smtp;

/// <summary>
/// Writes message content for DATA: a '.' doubled at the start of every line (RFC 5321 4.5.2), then the
/// end-of-data line. The spool holds the content with CRLF line ends exactly as received (bare CR or LF were
/// refused at receipt), so it goes out byte for byte apart from the stuffing.
/// </summary>
internal sealed class DotStuffer(PipeWriter output)
{
    private bool _atLineStart = true;
    private bool _empty = true;

    public void Write(ReadOnlySpan<byte> content)
    {
        if (content.IsEmpty)
            return;
        _empty = false;
        while (!content.IsEmpty)
        {
            if (_atLineStart && content[0] == (byte)'.')
                output.Write("."u8);
            var lf = content.IndexOf((byte)'\n');
            if (lf < 0)
            {
                output.Write(content);
                _atLineStart = false;
                return;
            }
            output.Write(content[..(lf + 1)]);
            content = content[(lf + 1)..];
            _atLineStart = true;
        }
    }

    /// <summary>Closes the last line if the content did not, then writes the terminating ".".</summary>
    public void Finish() => output.Write(_atLineStart || _empty ? ".\r\n"u8 : "\r\n.\r\n"u8);
}
