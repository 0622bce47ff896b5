using System.Net;
using DnsClient;
using TransportGuard.Delivery.Mx;
using TransportGuard.Tests.Support;

namespace TransportGuard.Tests.Delivery.Mx;

/// <summary>RFC 5321 section 5.1 against a real DNS exchange on loopback (DnsClient to our table-driven server).</summary>
public sealed class MxResolverTests
{
    private static MxResolver Resolver(LoopbackDnsServer dns, int timeoutMs = 2000) =>
        new(new LookupClient(new LookupClientOptions(new NameServer(dns.EndPoint)) { UseCache = false, Timeout = TimeSpan.FromMilliseconds(timeoutMs), Retries = 0, ThrowDnsErrors = false }));

    private static async Task<MxResult> ResolveAsync(LoopbackDnsServer dns, string domain, int timeoutMs = 2000) =>
        await Resolver(dns, timeoutMs).ResolveAsync(domain, TestContext.Current.CancellationToken);

    [Fact]
    public async Task Mx_hosts_come_by_preference_with_all_their_addresses()
    {
        using var dns = new LoopbackDnsServer()
            .Mx("example.com", 20, "backup.example.com").Mx("example.com", 10, "mx1.example.com")
            .Address("mx1.example.com", "127.0.0.10").Address("mx1.example.com", "::1").Address("backup.example.com", "127.0.0.20");
        var found = Assert.IsType<MxResult.Found>(await ResolveAsync(dns, "example.com"));
        Assert.Equal(["mx1.example.com", "backup.example.com"], found.Hosts.Select(h => h.Name));
        Assert.Equal([IPAddress.Parse("127.0.0.10"), IPAddress.IPv6Loopback], found.Hosts[0].Addresses);
    }

    [Fact]
    public async Task An_mx_host_without_an_address_is_skipped()
    {
        using var dns = new LoopbackDnsServer().Mx("example.com", 5, "gone.example.com").Mx("example.com", 10, "mx.example.com").Address("mx.example.com", "127.0.0.3");
        Assert.Equal("mx.example.com", Assert.Single(Assert.IsType<MxResult.Found>(await ResolveAsync(dns, "example.com")).Hosts).Name);
    }

    [Fact]
    public async Task A_domain_without_mx_is_its_own_implicit_mx()
    {
        using var dns = new LoopbackDnsServer().Address("plain.example", "127.0.0.4");
        var host = Assert.Single(Assert.IsType<MxResult.Found>(await ResolveAsync(dns, "plain.example")).Hosts);
        Assert.Equal(("plain.example", 0), (host.Name, host.Preference));
    }

    [Fact]
    public async Task A_null_mx_is_a_permanent_failure() =>
        Assert.Equal(new MxResult.Failed("5.1.10", "nomail.example does not accept mail (null MX, RFC 7505)", true),
            await ResolveAsync(new LoopbackDnsServer().Mx("nomail.example", 0, "."), "nomail.example"));

    [Fact]
    public async Task A_domain_that_does_not_exist_fails_permanently_and_a_dns_failure_only_defers()
    {
        using var dns = new LoopbackDnsServer().NxDomain("nowhere.example").ServFail("broken.example").Silent("silent.example");
        Assert.Equal(("5.1.2", true), Status(await ResolveAsync(dns, "nowhere.example")));
        Assert.Equal(("4.4.3", false), Status(await ResolveAsync(dns, "broken.example")));
        Assert.Equal(("4.4.3", false), Status(await ResolveAsync(dns, "silent.example", timeoutMs: 300)));
        Assert.Equal(("5.1.2", true), Status(await ResolveAsync(dns, "empty.example"))); // exists, no MX, no address
    }

    [Fact]
    public async Task Address_literals_need_no_lookup_and_international_names_are_asked_as_a_labels()
    {
        using var dns = new LoopbackDnsServer().Mx("xn--bcher-kva.example", 10, "mx.xn--bcher-kva.example").Address("mx.xn--bcher-kva.example", "127.0.0.5");
        Assert.Equal(IPAddress.Parse("127.0.0.9"), Assert.Single(Assert.IsType<MxResult.Found>(await ResolveAsync(dns, "[127.0.0.9]")).Hosts).Addresses[0]);
        Assert.Equal(IPAddress.IPv6Loopback, Assert.Single(Assert.IsType<MxResult.Found>(await ResolveAsync(dns, "[IPv6:::1]")).Hosts).Addresses[0]);
        Assert.IsType<MxResult.Found>(await ResolveAsync(dns, "b\u00fccher.example"));
        Assert.Contains("xn--bcher-kva.example 15", dns.Questions);
    }

    private static (string, bool) Status(MxResult result) => result is MxResult.Failed f ? (f.Status, f.Permanent) : ("found", false);
}
