using TransportGuard.Tests.Support;

namespace TransportGuard.Tests.Spool;

/// <summary>`transportguard spool list|show|verify` as an operator runs it: the real executable on a real spool.</summary>
public sealed class SpoolCommandsTests
{
    private static Task<ProcessRunner.Result> SpoolAsync(params string[] args) =>
        ProcessRunner.RunAsync("dotnet", [GatewayProcess.Executable, "spool", .. args], TimeSpan.FromSeconds(60));

    [Fact]
    public async Task List_show_and_verify_read_the_spool_of_a_running_gateway_without_disturbing_it()
    {
        await using var gateway = await TestGateway.StartAsync();
        var ids = new List<string>();
        await using (var client = await RawSmtpClient.ConnectGreetedAsync(gateway.SmtpEndPoint))
        {
            for (var i = 0; i < 3; i++)
            {
                await client.BeginDataAsync("alice@example.org", $"r{i}@example.com");
                ids.Add((await client.CommandAsync($"Subject: {i}\r\n\r\nbody {i}\r\n.")).Last[^15..]);
            }
        }

        var list = await SpoolAsync("list", "--data", gateway.DataDirectory);
        Assert.Equal(0, list.ExitCode);
        foreach (var (id, i) in ids.Select((id, i) => (id, i)))
            Assert.Matches($@"(?m)^{id} .* <alice@example\.org> +r{i}@example\.com$", list.Output);
        Assert.Contains("3 message(s)", list.Output, StringComparison.Ordinal);

        var show = await SpoolAsync("show", ids[1], "--data", gateway.DataDirectory);
        Assert.Equal(0, show.ExitCode);
        Assert.Contains("\"Address\": \"r1@example.com\"", show.Output, StringComparison.Ordinal);

        var verify = await SpoolAsync("verify", "--data", gateway.DataDirectory);
        Assert.Equal(0, verify.ExitCode);
        Assert.Contains("3 message(s) verified, 0 damaged", verify.Output, StringComparison.Ordinal);

        // The gateway goes on taking mail after being read beside.
        await using var after = await RawSmtpClient.ConnectGreetedAsync(gateway.SmtpEndPoint);
        await after.BeginDataAsync();
        Assert.Equal(250, (await after.CommandAsync("Subject: after\r\n\r\nx\r\n.")).Code);
    }

    [Fact]
    public async Task Verify_names_a_damaged_message_and_fails()
    {
        using var fixture = new SpoolFixture();
        string damaged;
        await using (var spool = fixture.Open())
        {
            damaged = await fixture.AcknowledgeAsync(spool, SpoolFixture.Content(1, 2000));
            await fixture.AcknowledgeAsync(spool, SpoolFixture.Content(2, 2000));
            Assert.True(spool.Index.TryGet(damaged, out var message));
            await spool.DisposeAsync();
            fixture.FlipContentByte(message.Envelope.Chunks[0], 40, SpoolFixture.Content(1, 2000)[40]);
        }
        var verify = await SpoolAsync("verify", "--data", fixture.DataDirectory);
        Assert.Equal(1, verify.ExitCode);
        Assert.True(verify.Output.Contains($"DAMAGED {damaged}", StringComparison.Ordinal), verify.Output + verify.Error);
        // The damaged chunk is one unreadable record; the records after it (its own envelope too) are still read.
        Assert.Contains("1 unreadable; 1 message(s) verified, 1 damaged", verify.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Show_of_an_unknown_id_and_a_missing_spool_fail_clearly()
    {
        var empty = TempDirectory.Create("nospool");
        var missing = await SpoolAsync("list", "--data", empty);
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("no spool at", missing.Error, StringComparison.Ordinal);
    }
}
