using System.Buffers;
using System.Text;
using FsCheck;
using FsCheck.Fluent;
using TransportGuard.Delivery.Smtp;
using TransportGuard.Smtp.Protocol;

namespace TransportGuard.Tests.Delivery.Smtp;

public sealed class ReplyParserTests
{
    private static SmtpReply? Parse(string wire, out string rest)
    {
        var buffer = new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(wire));
        var parsed = ReplyParser.TryRead(ref buffer, out var reply);
        rest = Encoding.UTF8.GetString(buffer.ToArray());
        return parsed ? reply : null;
    }

    [Fact]
    public void A_multiline_reply_with_enhanced_codes_is_read_whole_and_the_rest_left()
    {
        var reply = Parse("250-mx.example.com\r\n250-PIPELINING\r\n250 SIZE 1000\r\n220 next", out var rest);
        Assert.NotNull(reply);
        Assert.Equal(250, reply.Code);
        Assert.Null(reply.Enhanced);
        Assert.Equal(["mx.example.com", "PIPELINING", "SIZE 1000"], reply.Lines);
        Assert.Equal("220 next", rest);

        var enhanced = Parse("550-5.1.1 no such\r\n550 5.1.1 user\r\n", out _);
        Assert.Equal("5.1.1", enhanced!.Enhanced);
        Assert.Equal(["no such", "user"], enhanced.Lines);
    }

    [Fact]
    public void A_partial_reply_is_not_consumed()
    {
        Assert.Null(Parse("250-first\r\n250 sec", out var rest));
        Assert.Equal("250-first\r\n250 sec", rest);
    }

    [Theory]
    [InlineData("hello\r\n")]
    [InlineData("25\r\n")]
    [InlineData("250-a\r\n251 b\r\n")]
    [InlineData("250_x\r\n")]
    [InlineData("250 bare lf\n")]
    [InlineData("999 out of range\r\n")]
    public void Malformed_replies_are_protocol_errors(string wire) =>
        Assert.Throws<SmtpProtocolException>(() => Parse(wire, out _));

    [Fact]
    public void An_endless_reply_line_is_refused_without_buffering_it_all() =>
        Assert.Throws<SmtpProtocolException>(() => Parse("250 " + new string('x', ReplyParser.MaxLineLength + 10), out _));

    [Fact]
    public void A_status_class_that_does_not_match_the_code_is_text_not_an_enhanced_code() =>
        Assert.Null(Parse("250 5.1.1 odd\r\n", out _)!.Enhanced);

    /// <summary>What our server writes, our client reads back the same (code, enhanced code, lines).</summary>
    [FsCheck.Xunit.Property(MaxTest = 300)]
    public bool Replies_written_by_the_server_side_parse_back_identically(PositiveInt seed)
    {
        var random = new Random(seed.Get);
        var code = new[] { 220, 250, 354, 421, 451, 550, 554 }[random.Next(7)];
        var enhanced = code == 354 || random.Next(3) == 0 ? null : $"{code / 100}.{random.Next(8)}.{random.Next(20)}";
        var lines = Enumerable.Range(0, random.Next(1, 5)).Select(i => $"line{i} " + new string('t', random.Next(0, 40))).ToList();
        var written = new SmtpReply(code, enhanced, lines).ToString() + "\r\n";
        var parsed = Parse(written, out var rest);
        return parsed is not null && rest.Length == 0 && parsed.Code == code && parsed.Enhanced == enhanced && parsed.Lines.SequenceEqual(lines);
    }
}
