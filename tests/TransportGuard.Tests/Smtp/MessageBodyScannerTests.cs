using System.Buffers;
using System.Text;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using TransportGuard.Smtp.Protocol;

namespace TransportGuard.Tests.Smtp;

public sealed class MessageBodyScannerTests
{
    /// <summary>Lines built from the characters that matter here: dots at line starts, and ordinary text.</summary>
    private static readonly Gen<string> Line = Gen.Elements("", ".", "..", ".x", "x.", "hello", "a.b", ". ", "...", "ü→✓")
        .ListOf().Select(parts => string.Concat(parts));
    private static readonly Gen<string> Message = Line.ListOf().Select(lines => string.Concat(lines.Select(l => l + "\r\n")));

    /// <summary>RFC 5321 4.5.2 dot-stuffing, written independently of the scanner: the oracle.</summary>
    private static string Stuff(string message) =>
        string.Concat(message.Split("\r\n")[..^1].Select(l => (l.StartsWith('.') ? "." + l : l) + "\r\n")) + ".\r\n";

    [Property(MaxTest = 500)]
    public Property Unstuffing_a_stuffed_message_gives_it_back_whatever_the_read_boundaries() =>
        Prop.ForAll(Message.ToArbitrary(), Gen.Choose(1, 64).ToArbitrary(), Gen.Choose(2, 16).ToArbitrary(), (message, readSize, outputSize) =>
        {
            var wire = Encoding.UTF8.GetBytes(Stuff(message) + "NEXT COMMAND\r\n");
            var (content, consumed, done, violations) = Scan(wire, readSize, outputSize, dotStuffed: true);
            return (done && violations == BodyViolation.None && content == message
                    && Encoding.UTF8.GetString(wire, consumed, wire.Length - consumed) == "NEXT COMMAND\r\n")
                .Label($"got {content.Replace("\r\n", "\\r\\n", StringComparison.Ordinal)} consumed {consumed}");
        });

    [Property(MaxTest = 300)]
    public Property Length_framed_content_passes_through_unchanged() =>
        Prop.ForAll(Message.ToArbitrary(), Gen.Choose(1, 64).ToArbitrary(), (message, readSize) =>
        {
            var (content, consumed, done, violations) = Scan(Encoding.UTF8.GetBytes(message), readSize, 16, dotStuffed: false);
            return !done && violations == BodyViolation.None && content == message && consumed == Encoding.UTF8.GetByteCount(message);
        });

    [Theory]
    [InlineData("Subject: x\r\n\r\nbody\n.\nMAIL FROM:<evil@x>\r\n.\r\n")]   // <LF>.<LF>: the classic smuggling end
    [InlineData("Subject: x\r\n\r\nbody\r.\rMAIL FROM:<evil@x>\r\n.\r\n")]   // <CR>.<CR>
    [InlineData("Subject: x\r\n\r\nbody\r\n.\nMAIL FROM:<evil@x>\r\n.\r\n")] // <CR><LF>.<LF>
    [InlineData("Subject: x\r\n\r\nbody\n.\r\nMAIL FROM:<evil@x>\r\n.\r\n")] // <LF>.<CR><LF>
    [InlineData("bare\nline\r\n.\r\n")]
    [InlineData("bare\rcr\r\n.\r\n")]
    public void Bare_line_endings_never_end_the_message_and_are_flagged(string wire)
    {
        var (content, consumed, done, violations) = Scan(Encoding.UTF8.GetBytes(wire), 7, 32, dotStuffed: true);
        Assert.True(done);
        Assert.Equal(Encoding.UTF8.GetByteCount(wire), consumed); // only the final CRLF.CRLF ended it
        if (wire.Contains("MAIL", StringComparison.Ordinal))
            Assert.Contains("MAIL FROM:<evil@x>", content, StringComparison.Ordinal); // the smuggled command stays content
        Assert.Equal(BodyViolation.BareLineEnding, violations);
    }

    [Theory]
    [InlineData(1000, false)]
    [InlineData(1001, true)]
    public void Text_lines_over_1000_octets_with_crlf_are_flagged(int lineOctets, bool flagged)
    {
        var wire = new string('x', lineOctets - 2) + "\r\n.\r\n";
        var (_, _, done, violations) = Scan(Encoding.ASCII.GetBytes(wire), 100, 64, dotStuffed: true);
        Assert.True(done);
        Assert.Equal(flagged ? BodyViolation.LineTooLong : BodyViolation.None, violations);
    }

    [Fact]
    public void A_dot_stuffed_line_counts_its_dot_toward_the_line_length()
    {
        var wire = "." + new string('x', 998) + "\r\n.\r\n"; // 1001 octets on the wire
        Assert.Equal(BodyViolation.LineTooLong, Scan(Encoding.ASCII.GetBytes(wire), 50, 64, dotStuffed: true).Violations);
    }

    [Fact]
    public void An_empty_message_ends_at_the_first_dot_line()
    {
        var (content, consumed, done, _) = Scan(".\r\nQUIT\r\n"u8.ToArray(), 3, 8, dotStuffed: true);
        Assert.True(done);
        Assert.Equal("", content);
        Assert.Equal(3, consumed);
    }

    [Fact]
    public void A_trailing_lone_cr_in_length_framed_content_is_a_bare_cr()
    {
        var scanner = new MessageBodyScanner(dotStuffed: false, 1000);
        var output = new byte[16];
        scanner.Process("abc\r"u8, output, out _, out var written);
        Assert.Equal(1, scanner.PendingBytes);
        scanner.Finish();
        Assert.Equal(3, written);
        Assert.Equal(BodyViolation.BareLineEnding, scanner.Violations);
    }

    private static (string Content, int Consumed, bool Done, BodyViolation Violations) Scan(byte[] wire, int readSize, int outputSize, bool dotStuffed)
    {
        var scanner = new MessageBodyScanner(dotStuffed, 1000);
        var output = new ArrayBufferWriter<byte>();
        var chunk = new byte[outputSize];
        var position = 0;
        var done = false;
        while (position < wire.Length && !done)
        {
            var read = wire.AsSpan(position, Math.Min(readSize, wire.Length - position));
            while (!read.IsEmpty && !done)
            {
                var status = scanner.Process(read, chunk, out var consumed, out var written);
                output.Write(chunk.AsSpan(0, written));
                read = read[consumed..];
                position += consumed;
                done = status == OperationStatus.Done;
            }
        }
        return (Encoding.UTF8.GetString(output.WrittenSpan), position, done, scanner.Violations);
    }
}
