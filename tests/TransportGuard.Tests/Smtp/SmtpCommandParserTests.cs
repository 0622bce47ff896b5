using System.Buffers;
using System.Text;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using TransportGuard.Smtp.Protocol;

namespace TransportGuard.Tests.Smtp;

public sealed class SmtpCommandParserTests
{
    private static readonly Gen<string> Atom = Gen.Elements("a", "bob", "x1", "first.last", "o'neil", "a+tag", "under_score", "ü", "用户");
    private static readonly Gen<string> Domain = Gen.Elements("example.com", "mx-1.example.org", "a.b.c.d", "[127.0.0.1]", "[IPv6:::1]", "bücher.de");
    private static readonly Gen<string> Mailbox =
        from local in Gen.OneOf(Atom, Gen.Elements("\"quoted local\"", "\"with\\\"escape\""))
        from domain in Domain
        select $"{local}@{domain}";
    private static readonly Gen<EsmtpParameters> Parameters =
        from count in Gen.Choose(0, 3)
        from items in Gen.ArrayOf(Gen.Elements(
            new KeyValuePair<string, string?>("SIZE", "1000"),
            new KeyValuePair<string, string?>("BODY", "8BITMIME"),
            new KeyValuePair<string, string?>("SMTPUTF8", null),
            new KeyValuePair<string, string?>("X-CUSTOM", "v1")), count)
        select new EsmtpParameters(items);

    private static readonly Gen<SmtpCommand> Commands = Gen.OneOf(
        Domain.Select(d => (SmtpCommand)new EhloCommand(d)),
        Domain.Select(d => (SmtpCommand)new HeloCommand(d)),
        from path in Gen.OneOf(Mailbox, Gen.Constant("")) from p in Parameters select (SmtpCommand)new MailCommand(path, p),
        from path in Gen.OneOf(Mailbox, Gen.Constant("postmaster")) from p in Parameters select (SmtpCommand)new RcptCommand(path, p),
        from size in Gen.Choose(0, int.MaxValue) from last in Gen.Elements(true, false) select (SmtpCommand)new BdatCommand(size, last),
        Gen.Elements<SmtpCommand>(new DataCommand(), new RsetCommand(), new NoopCommand(), new QuitCommand(), new StartTlsCommand(), new HelpCommand("")),
        Atom.Select(a => (SmtpCommand)new VrfyCommand(a)),
        Gen.Elements("XSHADOW", "XQUERYDISCARD").Select(v => (SmtpCommand)new ExtensionCommand(v, "node-1")));

    [Property(MaxTest = 500)]
    public Property Every_command_survives_a_round_trip_through_its_wire_form() =>
        Prop.ForAll(Commands.ToArbitrary(), command =>
        {
            var ok = SmtpCommandParser.TryParse(command.ToWire(), out var parsed, out var error);
            return (ok && parsed == command).Label($"{command.ToWire()} -> {parsed?.ToWire()} {error}");
        });

    [Property(MaxTest = 200)]
    public Property A_line_split_over_many_segments_parses_like_one_span() =>
        Prop.ForAll(Commands.ToArbitrary(), Gen.Choose(1, 7).ToArbitrary(), (command, pieces) =>
        {
            var bytes = Encoding.UTF8.GetBytes(command.ToWire());
            var sequence = Segments.Split(bytes, pieces);
            return SmtpCommandParser.TryParse(sequence, out var parsed, out _) && parsed == command;
        });

    [Theory]
    [InlineData("MAIL FROM:<a@b.c>", "a@b.c")]
    [InlineData("mail from:<A@B.C>", "A@B.C")]
    [InlineData("MAIL FROM: <a@b.c>", "a@b.c")]
    [InlineData("MAIL FROM:<>", "")]
    [InlineData("MAIL FROM:<@relay.one,@relay.two:user@final.example>", "user@final.example")]
    public void Accepts_the_mail_forms_real_clients_send(string line, string expected)
    {
        Assert.True(SmtpCommandParser.TryParse(line, out var command, out var error), error?.ToString());
        Assert.Equal(expected, Assert.IsType<MailCommand>(command).ReversePath);
    }

    [Theory]
    [InlineData("MAIL FROM:a@b.c", "501 5.5.4")]
    [InlineData("MAIL TO:<a@b.c>", "501 5.5.4")]
    [InlineData("MAIL FROM:<a@b.c", "501 5.5.4")]
    [InlineData("MAIL FROM:<a..b@c.d>", "501 5.1.7")]
    [InlineData("MAIL FROM:<a@-bad-.com>", "501 5.1.7")]
    [InlineData("MAIL FROM:<@c.d>", "501 5.1.7")]
    [InlineData("MAIL FROM:<a@[IPv6:fe80::1%eth0]>", "501 5.1.7")] // a scope id is no part of an address literal
    [InlineData("MAIL FROM:<a@b.c> SIZE=", "555 5.5.4")]
    [InlineData("MAIL FROM:<a@b.c> =1", "555 5.5.4")]
    [InlineData("MAIL FROM:<a@b.c>SIZE=1", "501 5.5.4")]
    [InlineData("RCPT TO:<>", "501 5.5.4")]
    [InlineData("RCPT TO:<user>", "501 5.1.7")]
    [InlineData("DATA now", "501 5.5.4")]
    [InlineData("BDAT", "501 5.5.4")]
    [InlineData("BDAT -1", "501 5.5.4")]
    [InlineData("BDAT 10 FIRST", "501 5.5.4")]
    [InlineData("BDAT 1234567890123456789", "501 5.5.4")]
    [InlineData("EHLO", "501 5.5.4")]
    [InlineData("VRFY", "501 5.5.4")]
    [InlineData("", "500 5.5.1")]
    [InlineData("M@IL FROM:<a@b.c>", "500 5.5.1")]
    public void Refuses_malformed_commands_with_the_right_code(string line, string expected)
    {
        Assert.False(SmtpCommandParser.TryParse(line, out _, out var error));
        Assert.StartsWith(expected, error!.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Refuses_a_line_that_is_not_utf8()
    {
        Assert.False(SmtpCommandParser.TryParse([(byte)'N', (byte)'O', 0xC3, 0x28], out _, out var error));
        Assert.Equal(500, error!.Code);
    }

    [Fact]
    public void Unknown_verbs_are_extension_commands_for_the_extensions_to_claim()
    {
        Assert.True(SmtpCommandParser.TryParse("xshadow node-a", out var command, out _));
        Assert.Equal(new ExtensionCommand("XSHADOW", "node-a"), command);
    }
}

internal static class Segments
{
    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }

    /// <summary>The bytes as a sequence of up to <paramref name="pieces"/> segments, to exercise multi-segment paths.</summary>
    public static ReadOnlySequence<byte> Split(byte[] bytes, int pieces)
    {
        if (bytes.Length == 0 || pieces <= 1)
            return new ReadOnlySequence<byte>(bytes);
        var size = Math.Max(1, bytes.Length / pieces);
        var first = new Segment(bytes.AsMemory(0, Math.Min(size, bytes.Length)), 0);
        var last = first;
        for (var offset = size; offset < bytes.Length; offset += size)
            last = last.Append(bytes.AsMemory(offset, Math.Min(size, bytes.Length - offset)));
        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }
}
