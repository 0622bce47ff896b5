using TransportGuard.Tests.Support;

namespace TransportGuard.Tests.Smtp.Interop;

/// <summary>swaks, the SMTP test tool operators reach for, against the gateway.</summary>
public sealed class SwaksTests
{
    private static async Task<ProcessRunner.Result> SwaksAsync(TestGateway gateway, params string[] extra)
    {
        var swaks = ExternalTool.Require("swaks");
        return await ProcessRunner.RunAsync(swaks,
            ["--server", $"127.0.0.1:{gateway.Port}", "--to", "a@example.com", "--from", "b@example.org", "--helo", "test.client", "--timeout", "20", .. extra],
            TimeSpan.FromSeconds(60));
    }

    [Theory]
    [InlineData(new string[0], "ESMTP")]
    [InlineData(new[] { "--pipeline" }, "ESMTP")]
    [InlineData(new[] { "-tls" }, "ESMTPS")]
    [InlineData(new[] { "--pipeline", "-tls" }, "ESMTPS")]
    public async Task Swaks_delivers_plain_pipelined_and_over_starttls(string[] options, string protocol)
    {
        await using var gateway = await TestGateway.StartAsync();
        var result = await SwaksAsync(gateway, [.. options, "--header", "Subject: swaks interop"]);
        Assert.True(result.ExitCode == 0, result.Output + result.Error);
        Assert.Matches("<[-~]  250 2.0.0 Ok: queued as [0-9A-Z]{15}", result.Output); // swaks marks TLS lines with ~
        var stored = Assert.Single(gateway.Messages());
        Assert.Equal(["a@example.com"], stored.Recipients);
        Assert.Contains("Subject: swaks interop\r\n", stored.Body, StringComparison.Ordinal);
        Assert.Contains($" with {protocol} id ", stored.Text, StringComparison.Ordinal);
        if (options.Contains("--pipeline"))
            Assert.Contains("PIPELINING", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_body_with_leading_dots_arrives_unstuffed()
    {
        await using var gateway = await TestGateway.StartAsync();
        var result = await SwaksAsync(gateway, "--body", "first\n.second starts with a dot\n..third with two\n.\nend");
        Assert.True(result.ExitCode == 0, result.Output + result.Error);
        Assert.Contains("\r\n\r\nfirst\r\n.second starts with a dot\r\n..third with two\r\n.\r\nend\r\n", Assert.Single(gateway.Messages()).Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Swaks_sees_the_relay_denial()
    {
        await using var gateway = await TestGateway.StartAsync(("Smtp:Relay:RelayNetworks:0", "192.0.2.0/24"));
        var result = await SwaksAsync(gateway);
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("<** 554 5.7.1 <a@example.com>: Relay access denied", result.Output, StringComparison.Ordinal);
        Assert.Empty(gateway.Messages());
    }
}
