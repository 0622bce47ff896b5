using System.Net;
using TransportGuard.Delivery.Mx;
using TransportGuard.Tests.Support;
using static TransportGuard.Tests.Delivery.Mx.LoopbackResolver;

namespace TransportGuard.Tests.Delivery.Mx;

/// <summary>RFC 5321 section 5.1, where mail can go: a real DNS exchange on loopback (DnsClient to a table-driven server).</summary>
public sealed class MxResolverTests
{
    [Fact]
    public async Task Mx_hosts_come_by_preference()
    {
        using var dns = new LoopbackDnsServer()
            .Mx("example.com", 30, "c.example.com").Mx("example.com", 10, "a.example.com").Mx("example.com", 20, "b.example.com")
            .Address("a.example.com", "127.0.0.1").Address("b.example.com", "127.0.0.2").Address("c.example.com", "127.0.0.3");
        var found = Found(await ResolveAsync(dns, "example.com"));
        Assert.Equal([("a.example.com", 10), ("b.example.com", 20), ("c.example.com", 30)], found.Hosts.Select(h => (h.Name, h.Preference)));
    }

    [Fact]
    public async Task Equal_preferences_come_in_random_order()
    {
        using var dns = new LoopbackDnsServer()
            .Mx("example.com", 10, "a.example.com").Mx("example.com", 10, "b.example.com").Mx("example.com", 5, "first.example.com")
            .Address("a.example.com", "127.0.0.1").Address("b.example.com", "127.0.0.2").Address("first.example.com", "127.0.0.3");
        var resolver = For(dns);
        var orders = new HashSet<string>();
        for (var i = 0; i < 30; i++) // the same order 30 times running: odds of 2 in 2^30
        {
            var hosts = Found(await resolver.ResolveAsync("example.com", TestContext.Current.CancellationToken)).Hosts;
            Assert.Equal("first.example.com", hosts[0].Name);
            orders.Add(string.Join(' ', hosts.Skip(1).Select(h => h.Name)));
        }
        Assert.Equal(["a.example.com b.example.com", "b.example.com a.example.com"], orders.Order());
    }

    [Fact]
    public async Task A_host_has_all_its_addresses_a_first_written_with_or_without_name_compression()
    {
        foreach (var plain in new[] { false, true })
        {
            using var dns = new LoopbackDnsServer { PlainNames = plain }
                .Mx("example.com", 10, "mx.example.com")
                .Address("mx.example.com", "::1").Address("mx.example.com", "127.0.0.10").Address("mx.example.com", "127.0.0.11");
            var host = Assert.Single(Found(await ResolveAsync(dns, "example.com")).Hosts);
            Assert.Equal([IPAddress.Parse("127.0.0.10"), IPAddress.Parse("127.0.0.11"), IPAddress.IPv6Loopback], host.Addresses);
        }
    }

    [Fact]
    public async Task No_host_or_address_is_listed_twice()
    {
        using var dns = new LoopbackDnsServer()
            .Mx("example.com", 10, "mx.example.com").Mx("example.com", 20, "MX.example.com").Mx("example.com", 30, "alias.example.com")
            .Mx("example.com", 40, "other.example.com")
            .Address("mx.example.com", "127.0.0.1").Address("mx.example.com", "127.0.0.1")
            .Address("alias.example.com", "127.0.0.1").Address("other.example.com", "127.0.0.1").Address("other.example.com", "127.0.0.2");
        var found = Found(await ResolveAsync(dns, "example.com"));
        Assert.Equal(
            [("mx.example.com", 10, "127.0.0.1"), ("other.example.com", 40, "127.0.0.2")],
            found.Hosts.Select(h => (h.Name, h.Preference, string.Join(',', h.Addresses))));
    }

    [Fact]
    public async Task An_mx_host_without_an_address_or_whose_lookup_fails_is_skipped()
    {
        using var dns = new LoopbackDnsServer()
            .Mx("example.com", 5, "gone.example.com").Mx("example.com", 6, "broken.example.com").Mx("example.com", 7, "missing.example.com")
            .Mx("example.com", 10, "mx.example.com")
            .NxDomain("gone.example.com").ServFail("broken.example.com").Address("mx.example.com", "127.0.0.3");
        Assert.Equal("mx.example.com", Assert.Single(Found(await ResolveAsync(dns, "example.com")).Hosts).Name);
    }

    [Fact]
    public async Task A_domain_without_mx_is_its_own_implicit_mx_with_preference_0()
    {
        using var dns = new LoopbackDnsServer().Address("plain.example", "127.0.0.4").Address("plain.example", "::1");
        var host = Assert.Single(Found(await ResolveAsync(dns, "plain.example")).Hosts);
        Assert.Equal(("plain.example", 0), (host.Name, host.Preference));
        Assert.Equal([IPAddress.Parse("127.0.0.4"), IPAddress.IPv6Loopback], host.Addresses);
    }

    [Theory]
    [InlineData("[127.0.0.9]", "127.0.0.9")]
    [InlineData("[IPv6:::1]", "::1")]
    [InlineData("[ipv6:2001:db8::1]", "2001:db8::1")]
    public async Task An_address_literal_is_its_own_address_without_a_lookup(string domain, string address)
    {
        using var dns = new LoopbackDnsServer();
        var host = Assert.Single(Found(await ResolveAsync(dns, domain)).Hosts);
        Assert.Equal((address, 0, IPAddress.Parse(address)), (host.Name, host.Preference, Assert.Single(host.Addresses)));
        Assert.Empty(dns.Questions);
    }

    [Fact]
    public async Task An_international_domain_is_asked_in_a_labels()
    {
        using var dns = new LoopbackDnsServer()
            .Mx("xn--bcher-kva.example", 10, "mx.xn--bcher-kva.example").Address("mx.xn--bcher-kva.example", "127.0.0.5");
        var host = Assert.Single(Found(await ResolveAsync(dns, "b\u00fccher.example")).Hosts);
        Assert.Equal(("mx.xn--bcher-kva.example", IPAddress.Parse("127.0.0.5")), (host.Name, Assert.Single(host.Addresses)));
        Assert.Equal(["xn--bcher-kva.example 15", "mx.xn--bcher-kva.example 1", "mx.xn--bcher-kva.example 28"], dns.Questions);
    }

    [Fact]
    public async Task The_production_client_asks_the_configured_name_server()
    {
        using var dns = new LoopbackDnsServer().Mx("example.com", 10, "mx.example.com").Address("mx.example.com", "127.0.0.6");
        var resolver = new MxResolver(MxResolver.CreateClient([dns.EndPoint.ToString()], TimeSpan.FromSeconds(2)));
        Assert.Equal("mx.example.com", Assert.Single(Found(await resolver.ResolveAsync("example.com", TestContext.Current.CancellationToken)).Hosts).Name);
        Assert.Contains("example.com 15", dns.Questions);
    }
}
