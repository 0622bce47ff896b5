using System.Text.RegularExpressions;
using TransportGuard.Tests.Support;

namespace TransportGuard.Tests.Delivery;

/// <summary>Interop with Postfix on both sides of the gateway, and with Postfix's smtp-sink as the final hop.</summary>
public sealed partial class PostfixRelayTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Mail_relayed_to_smtp_sink_arrives_whole()
    {
        await using var sink = SmtpSink.Start();
        await using var gateway = await Relay.StartAsync(sink.Address);
        var ids = new List<string>();
        for (var i = 0; i < 10; i++)
            ids.Add(await Relay.SendAsync(gateway, "a@example.org", ["b@example.com"], Relay.Body($"to sink {i}", $"text {i}\r\n")));

        var messages = await sink.WaitForAsync(10, Wait);
        await Relay.DrainedAsync(gateway, Wait);
        Assert.All(ids, id => Assert.Single(messages, m => m.Contains($"with ESMTP id {id}", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Postfix_relays_through_the_gateway_to_a_postfix_next_hop_and_every_message_reaches_the_sink()
    {
        var smtpSource = ExternalTool.Require("smtp-source");
        await using var sink = SmtpSink.Start();
        await using var nextHop = await PostfixInstance.StartAsync(sink.Port);
        await using var gateway = await Relay.StartAsync(nextHop.Address);
        await using var upstream = await PostfixInstance.StartAsync(gateway.Port);

        var result = await ProcessRunner.RunAsync(smtpSource,
            ["-m", "50", "-s", "5", "-l", "4096", "-f", "sender@example.org", "-t", "rcpt@example.com", upstream.Address], Wait);
        Assert.True(result.ExitCode == 0, result.Output + result.Error);

        var messages = await sink.WaitForAsync(50, Wait);
        await Relay.DrainedAsync(gateway, Wait);
        Assert.Equal(50, messages.Count);
        Assert.Equal(50, messages.Select(m => MessageId().Match(m).Value).Distinct().Count());
        // Each passed upstream Postfix, then us, then the next-hop Postfix: three Received headers of ours and theirs.
        Assert.All(messages, m => Assert.Contains("(TransportGuard) with ESMTP id", m, StringComparison.Ordinal));
        Assert.All(messages, m => Assert.True(ReceivedByPostfix().Count(m) >= 2, m));
    }

    [GeneratedRegex(@"(?im)^Message-Id: <[^>]+>")]
    private static partial Regex MessageId();

    [GeneratedRegex(@"by postfix\.bench\.local \(Postfix\)")]
    private static partial Regex ReceivedByPostfix();
}
