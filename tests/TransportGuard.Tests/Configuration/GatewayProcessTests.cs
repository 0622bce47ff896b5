using TransportGuard.Tests.Support;

namespace TransportGuard.Tests.Configuration;

/// <summary>The executable itself: started with the documented switches, refusing bad options, surviving SIGKILL.</summary>
public sealed class GatewayProcessTests
{
    [Fact]
    public async Task A_bad_option_stops_the_process_with_one_line_naming_the_key()
    {
        var result = await ProcessRunner.RunAsync("dotnet",
            [GatewayProcess.Executable, "--smtp", "127.0.0.1:0", "--data", TempDirectory.Create("badopt"), "--Smtp:Limits:MaxRecipients", "0"],
            TimeSpan.FromSeconds(60));
        Assert.Equal(2, result.ExitCode);
        Assert.Equal("transportguard: configuration error: Smtp:Limits:MaxRecipients must be between 1 and 100000 (got 0)", result.Error.Trim());
    }

    [Theory]
    [InlineData("--smtp", "not-an-endpoint", "Smtp:Listen must be HOST:PORT")]
    [InlineData("--Smtp:Relay:RelayNetworks:0", "10.0.0.0/33", "Smtp:Relay:RelayNetworks holds '10.0.0.0/33'")]
    [InlineData("--Smtp:Limits:CommandTimeout", "soon", "Smtp:Limits:CommandTimeout")]
    public async Task Malformed_values_name_their_key(string key, string value, string expected)
    {
        var result = await ProcessRunner.RunAsync("dotnet",
            [GatewayProcess.Executable, "--data", TempDirectory.Create("badopt"), key, value], TimeSpan.FromSeconds(60));
        Assert.Equal(2, result.ExitCode);
        Assert.Contains(expected, result.Error, StringComparison.Ordinal);
        Assert.Single(result.Error.Trim().Split('\n'));
    }

    private static readonly string Body = string.Concat(Enumerable.Repeat(new string('b', 98) + "\r\n", 30));

    [Fact]
    public async Task Every_acknowledged_message_is_complete_on_disk_after_sigkill()
    {
        var data = TempDirectory.Create("crash");
        var acknowledged = new System.Collections.Concurrent.ConcurrentBag<string>();
        await using (var gateway = await GatewayProcess.StartAsync(data))
        {
            using var stop = new CancellationTokenSource();
            var senders = Enumerable.Range(0, 6).Select(s => Task.Run(async () =>
            {
                try
                {
                    await using var client = await RawSmtpClient.ConnectGreetedAsync(gateway.SmtpEndPoint);
                    for (var m = 0; !stop.IsCancellationRequested; m++)
                    {
                        await client.SendAsync($"MAIL FROM:<s{s}@example.org>\r\nRCPT TO:<r@example.com>\r\nDATA\r\n");
                        for (var i = 0; i < 3; i++)
                            await client.ReadReplyAsync();
                        var reply = await client.CommandAsync($"Subject: {s}-{m}\r\n\r\n{Body}.");
                        if (reply.Code == 250)
                            acknowledged.Add(reply.Last[^15..]);
                    }
                }
                catch (IOException)
                {
                    // The gateway died under us: what it acknowledged before must be on disk.
                }
            })).ToArray();
            await Task.Delay(1500, TestContext.Current.CancellationToken);
            await gateway.KillAsync();
            await stop.CancelAsync();
            await Task.WhenAll(senders);
        }

        Assert.NotEmpty(acknowledged);
        var recovered = StoredMessage.ReadOffline(data).ToDictionary(m => m.Envelope.QueueId);
        foreach (var id in acknowledged)
            Assert.EndsWith(Body, recovered[id].Text, StringComparison.Ordinal);
        TempDirectory.Delete(data);
    }
}
