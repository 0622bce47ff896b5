using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using FsCheck;
using FsCheck.Fluent;
using TransportGuard.Delivery.Smtp;

namespace TransportGuard.Tests.Delivery.Smtp;

public sealed class DotStufferTests
{
    private static async Task<string> StuffAsync(string content, int split)
    {
        var pipe = new Pipe();
        var stuffer = new DotStuffer(pipe.Writer);
        var bytes = Encoding.ASCII.GetBytes(content);
        split = Math.Clamp(split, 0, bytes.Length);
        stuffer.Write(bytes.AsSpan(0, split)); // any split point: the line-start state carries across writes
        stuffer.Write(bytes.AsSpan(split));
        stuffer.Finish();
        await pipe.Writer.CompleteAsync();
        var result = await pipe.Reader.ReadAtLeastAsync(int.MaxValue / 2, TestContext.Current.CancellationToken);
        return Encoding.ASCII.GetString(result.Buffer.ToArray());
    }

    /// <summary>The receiver's view (RFC 5321 4.5.2), written plainly as the oracle.</summary>
    private static string Unstuff(string wire)
    {
        Assert.EndsWith("\r\n.\r\n", "\r\n" + wire, StringComparison.Ordinal);
        if (wire == ".\r\n")
            return "";
        var lines = wire[..^5].Split("\r\n");
        Assert.All(lines, l => Assert.NotEqual(".", l)); // nothing inside can end the data early
        return string.Join("\r\n", lines.Select(l => l.StartsWith('.') ? l[1..] : l)) + "\r\n";
    }

    [Theory]
    [InlineData("", ".\r\n")]
    [InlineData(".\r\n", "..\r\n.\r\n")]
    [InlineData("a\r\n.b\r\n", "a\r\n..b\r\n.\r\n")]
    [InlineData("no final line end", "no final line end\r\n.\r\n")]
    public async Task Lines_starting_with_a_dot_get_a_second_one_and_the_data_is_closed(string content, string wire) =>
        Assert.Equal(wire, await StuffAsync(content, 1));

    [FsCheck.Xunit.Property(MaxTest = 300)]
    public async Task<bool> Stuffing_then_unstuffing_gives_back_the_content_for_any_split(PositiveInt seed)
    {
        var random = new Random(seed.Get);
        var lines = Enumerable.Range(0, random.Next(0, 12)).Select(_ => new string(Enumerable.Range(0, random.Next(0, 6)).Select(_ => ".ab"[random.Next(3)]).ToArray()));
        var content = string.Concat(lines.Select(l => l + "\r\n"));
        var wire = await StuffAsync(content, random.Next(0, content.Length + 1));
        return Unstuff(wire) == content;
    }
}
