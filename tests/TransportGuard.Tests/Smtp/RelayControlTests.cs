using TransportGuard.Tests.Support;

namespace TransportGuard.Tests.Smtp;

/// <summary>No open relay: a client outside the relay networks may only send to accepted domains.</summary>
public sealed class RelayControlTests
{
    [Fact]
    public async Task A_client_outside_the_relay_networks_reaches_only_accepted_domains()
    {
        // 127.0.0.1 is left out of the relay networks by configuration; no traffic goes to the listed network.
        await using var gateway = await TestGateway.StartAsync(
            ("Smtp:Relay:RelayNetworks:0", "192.0.2.0/24"),
            ("Smtp:Relay:AcceptedDomains:0", "example.com"),
            ("Smtp:Relay:AcceptedDomains:1", ".corp.example"));
        await using var client = await RawSmtpClient.ConnectGreetedAsync(gateway.SmtpEndPoint);
        await client.CommandAsync("MAIL FROM:<a@example.org>");
        Assert.Equal("554 5.7.1 <victim@elsewhere.example>: Relay access denied", (await client.CommandAsync("RCPT TO:<victim@elsewhere.example>")).Last);
        Assert.Equal(250, (await client.CommandAsync("RCPT TO:<bob@EXAMPLE.com>")).Code);
        Assert.Equal(250, (await client.CommandAsync("RCPT TO:<ann@eu.corp.example>")).Code);
        Assert.Equal(554, (await client.CommandAsync("RCPT TO:<x@notexample.com>")).Code);
        await client.CommandAsync("DATA");
        Assert.Equal(250, (await client.CommandAsync("Subject: x\r\n\r\nx\r\n.")).Code);
        Assert.Equal(["bob@EXAMPLE.com", "ann@eu.corp.example"], Assert.Single(gateway.Messages()).Recipients);
    }

    [Fact]
    public async Task Loopback_clients_may_relay_by_default()
    {
        await using var gateway = await TestGateway.StartAsync();
        await using var client = await RawSmtpClient.ConnectGreetedAsync(gateway.SmtpEndPoint);
        await client.CommandAsync("MAIL FROM:<a@example.org>");
        Assert.Equal(250, (await client.CommandAsync("RCPT TO:<anyone@anywhere.example>")).Code);
    }
}
