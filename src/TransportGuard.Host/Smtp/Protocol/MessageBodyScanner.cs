using System.Buffers;

namespace TransportGuard.Smtp.Protocol;

[Flags]
internal enum BodyViolation
{
    None = 0,
    /// <summary>A LF without CR before it, or a CR without LF after it (RFC 5321 2.3.8; the SMTP smuggling vector).</summary>
    BareLineEnding = 1,
    /// <summary>A text line over the limit (RFC 5321 4.5.3.1.6: 1000 octets with CRLF).</summary>
    LineTooLong = 2,
}

/// <summary>
/// Streams message content: finds the end of DATA (CRLF "." CRLF only, never LF "." LF or CR "." CR), removes
/// dot-stuffing (RFC 5321 4.5.2) and records violations instead of throwing, so the caller can read to the real
/// end of the message before refusing it. With <c>dotStuffed: false</c> it only validates line endings (BDAT).
/// Keeps a few bytes of state; never buffers a line. With <c>binary: true</c> (BDAT of a BODY=BINARYMIME message,
/// RFC 3030 3) content is copied as it is: line endings and lengths mean nothing there.
/// </summary>
internal sealed class MessageBodyScanner(bool dotStuffed, int maxLineLength, bool binary = false)
{
    private const byte Cr = (byte)'\r';
    private const byte Lf = (byte)'\n';
    private const byte Dot = (byte)'.';

    private enum State { LineStart, InLine, AfterCr, DotAtLineStart, DotCr }

    private State _state = State.LineStart;
    private long _lineLength;

    public BodyViolation Violations { get; private set; }

    /// <summary>
    /// Consumes <paramref name="source"/> and writes the unstuffed content to <paramref name="destination"/>.
    /// Returns <see cref="OperationStatus.Done"/> when the end-of-data line was consumed,
    /// <see cref="OperationStatus.NeedMoreData"/> when the source is used up, and
    /// <see cref="OperationStatus.DestinationTooSmall"/> when the caller must drain the destination (it needs 2 bytes free).
    /// </summary>
    public OperationStatus Process(ReadOnlySpan<byte> source, Span<byte> destination, out int consumed, out int written)
    {
        consumed = 0;
        written = 0;
        if (binary)
        {
            consumed = written = Math.Min(source.Length, destination.Length);
            source[..consumed].CopyTo(destination);
            return consumed == source.Length ? OperationStatus.NeedMoreData : OperationStatus.DestinationTooSmall;
        }
        while (consumed < source.Length)
        {
            if (destination.Length - written < 2)
                return OperationStatus.DestinationTooSmall;
            var b = source[consumed];
            switch (_state)
            {
                case State.LineStart:
                    _lineLength = 0;
                    if (dotStuffed && b == Dot)
                    {
                        _state = State.DotAtLineStart;
                        _lineLength = 1;
                        consumed++;
                    }
                    else
                        _state = State.InLine;
                    break;

                case State.InLine:
                    var run = source[consumed..];
                    var stop = run.IndexOfAny(Cr, Lf);
                    var take = Math.Min(stop < 0 ? run.Length : stop, destination.Length - written);
                    if (take > 0)
                    {
                        run[..take].CopyTo(destination[written..]);
                        written += take;
                        consumed += take;
                        CountLine(take);
                        break;
                    }
                    consumed++;
                    CountLine(1);
                    if (b == Cr)
                        _state = State.AfterCr;
                    else
                    {
                        Violations |= BodyViolation.BareLineEnding;
                        destination[written++] = Lf;
                    }
                    break;

                case State.AfterCr:
                    destination[written++] = Cr;
                    if (b == Lf)
                    {
                        destination[written++] = Lf;
                        consumed++;
                        CountLine(1);
                        _state = State.LineStart;
                    }
                    else
                    {
                        Violations |= BodyViolation.BareLineEnding;
                        _state = State.InLine;
                    }
                    break;

                case State.DotAtLineStart:
                    if (b == Cr)
                    {
                        consumed++;
                        CountLine(1);
                        _state = State.DotCr;
                    }
                    else
                        _state = State.InLine; // the leading dot is dropped: that is the unstuffing
                    break;

                case State.DotCr:
                    if (b == Lf)
                    {
                        consumed++;
                        _state = State.LineStart;
                        return OperationStatus.Done;
                    }
                    // "." CR then anything but LF: a bare CR inside a dot-stuffed line.
                    Violations |= BodyViolation.BareLineEnding;
                    destination[written++] = Cr;
                    _state = State.InLine;
                    break;
            }
        }
        return OperationStatus.NeedMoreData;
    }

    /// <summary>For length-framed content (BDAT LAST): a trailing lone CR is a bare CR.</summary>
    public void Finish()
    {
        if (_state is State.AfterCr or State.DotCr)
            Violations |= BodyViolation.BareLineEnding;
    }

    /// <summary>How many bytes <see cref="Finish"/> leaves unwritten: a CR held while waiting for its LF.</summary>
    public int PendingBytes => _state == State.AfterCr ? 1 : 0;

    private void CountLine(int octets)
    {
        _lineLength += octets;
        if (_lineLength > maxLineLength)
            Violations |= BodyViolation.LineTooLong;
    }
}
