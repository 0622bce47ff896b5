using System.Text.RegularExpressions;
using TransportGuard.Tests.Support;

namespace TransportGuard.Tests.Smtp.Interop;

/// <summary>Postfix's own load generator, smtp-source, as the sending MTA.</summary>
public sealed partial class PostfixSmtpSourceTests
{
    [Fact]
    public async Task Smtp_source_sends_300_messages_over_20_sessions_and_every_one_is_stored()
    {
        var smtpSource = ExternalTool.Require("smtp-source");
        await using var gateway = await TestGateway.StartAsync();
        var result = await ProcessRunner.RunAsync(smtpSource,
            ["-m", "300", "-s", "20", "-l", "2048", "-f", "sender@example.org", "-t", "rcpt@example.com", $"127.0.0.1:{gateway.Port}"],
            TimeSpan.FromSeconds(120));
        Assert.True(result.ExitCode == 0, result.Output + result.Error);

        var messages = gateway.Messages();
        Assert.Equal(300, messages.Count);
        Assert.All(messages, m =>
        {
            Assert.Equal("sender@example.org", m.Envelope.ReversePath);
            Assert.Equal(["rcpt@example.com"], m.Recipients);
            Assert.True(m.Envelope.Length > 2048);
        });
        var ids = messages.Select(m => MessageId().Match(m.Body)).ToList();
        Assert.All(ids, id => Assert.True(id.Success));
        Assert.Equal(300, ids.Select(id => id.Value).Distinct().Count());
    }

    [GeneratedRegex(@"(?im)^Message-Id: <[^>]+>")]
    private static partial Regex MessageId();
}
