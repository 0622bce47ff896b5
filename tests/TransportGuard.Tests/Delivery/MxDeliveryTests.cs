using TransportGuard.Tests.Support;

namespace TransportGuard.Tests.Delivery;

/// <summary>The mx route end to end: DNS on loopback names the hosts, the first cannot be reached, the second takes the mail.</summary>
public sealed class MxDeliveryTests
{
    [Fact]
    public async Task Mail_goes_to_the_next_mx_host_when_the_preferred_one_is_unreachable()
    {
        await using var hop = ScriptedNextHop.Start();
        using var dns = new LoopbackDnsServer()
            .Mx("example.com", 10, "down.example.com").Address("down.example.com", "127.0.0.2") // nothing listens there
            .Mx("example.com", 20, "up.example.com").Address("up.example.com", "127.0.0.1");
        await using var gateway = await TestGateway.StartAsync(("Queue:Suspended", "false"), ("Delivery:DefaultRoute", $"mx:{hop.Port}"),
            ("Delivery:DnsServers:0", dns.EndPoint.ToString()));
        await Relay.SendAsync(gateway, "a@example.org", ["b@example.com"], Relay.Body("via mx"));

        await hop.WaitForMessagesAsync(1, TimeSpan.FromSeconds(20));
        await Relay.DrainedAsync(gateway, TimeSpan.FromSeconds(20));
        Assert.Contains("example.com 15", dns.Questions);
    }
}
