using TransportGuard.Tests.Support;

namespace TransportGuard.Tests.Configuration;

/// <summary>The executable itself: started with the documented switches and refusing bad options.</summary>
public sealed class GatewayProcessTests
{
    [Fact]
    public async Task A_bad_option_stops_the_process_with_one_line_naming_the_key()
    {
        var result = await ProcessRunner.RunAsync("dotnet",
            [GatewayProcess.Executable, "--smtp", "127.0.0.1:0", "--http", "127.0.0.1:0", "--data", TempDirectory.Create("badopt"), "--Smtp:Limits:MaxRecipients", "0"],
            TimeSpan.FromSeconds(60));
        Assert.Equal(2, result.ExitCode);
        Assert.Equal("transportguard: configuration error: Smtp:Limits:MaxRecipients must be between 1 and 100000 (got 0)", result.Error.Trim());
    }

    [Theory]
    [InlineData("--smtp", "not-an-endpoint", "Smtp:Listen must be HOST:PORT")]
    [InlineData("--Smtp:Relay:RelayNetworks:0", "10.0.0.0/33", "Smtp:Relay:RelayNetworks holds '10.0.0.0/33'")]
    [InlineData("--Smtp:Limits:CommandTimeout", "soon", "Smtp:Limits:CommandTimeout")]
    [InlineData("--http", "0.0.0.0:9525", "Http:AdminToken must be set when Http:Listen binds beyond loopback")]
    [InlineData("--http", ",", "Http:Listen must name at least one HOST:PORT")]
    [InlineData("--relay-to", "mail.example.com", "Delivery:RelayTo: 'mail.example.com' is not HOST:PORT")]
    [InlineData("--Delivery:Routes:example.com", "carrier-pigeon:x", "Delivery:Routes:example.com: a route is maildir:PATH")]
    [InlineData("--Queue:RetryJitter", "2", "Queue:RetryJitter must be at least 0 and below 1")]
    [InlineData("--peer", "hub@hub.cluster.test:2525", "Cluster:Secret (or Cluster:SecretFile) must be set when Shadow:Peers names peers")]
    [InlineData("--Cluster:Secret", "short", "Cluster:Secret must be at least 16 characters")]
    [InlineData("--Cluster:SecretFile", "/nonexistent/cluster-secret", "Cluster:SecretFile /nonexistent/cluster-secret cannot be read")]
    [InlineData("--peer", "hub@under_score!:2525", "Shadow:Peers holds 'hub@under_score!:2525', which is not ID@HOST:PORT")]
    public async Task Malformed_values_name_their_key(string key, string value, string expected)
    {
        var result = await ProcessRunner.RunAsync("dotnet",
            [GatewayProcess.Executable, "--data", TempDirectory.Create("badopt"), "--smtp", "127.0.0.1:0", "--http", "127.0.0.1:0", key, value], TimeSpan.FromSeconds(60));
        Assert.Equal(2, result.ExitCode);
        Assert.Contains(expected, result.Error, StringComparison.Ordinal);
        Assert.Single(result.Error.Trim().Split('\n'));
    }

    [Fact]
    public async Task Sigterm_tells_connected_clients_421_4_3_2_and_exits_cleanly_keeping_the_queue()
    {
        var data = TempDirectory.Create("sigterm");
        string queued;
        await using (var gateway = await GatewayProcess.StartAsync(data))
        {
            await using var client = await RawSmtpClient.ConnectGreetedAsync(gateway.SmtpEndPoint);
            await client.BeginDataAsync();
            queued = (await client.CommandAsync("Subject: before stop\r\n\r\nx\r\n.")).Last[^15..];
            Assert.Equal(0, await gateway.TerminateAsync());
            Assert.Equal("421 4.3.2 Service shutting down, closing connection", (await client.ReadReplyAsync()).Last);
        }
        Assert.Equal([queued], StoredMessage.ReadOffline(data).Select(m => m.Envelope.QueueId));
        TempDirectory.Delete(data);
    }
}
