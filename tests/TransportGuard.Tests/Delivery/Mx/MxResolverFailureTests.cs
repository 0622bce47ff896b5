using TransportGuard.Delivery.Mx;
using TransportGuard.Tests.Support;
using static TransportGuard.Tests.Delivery.Mx.LoopbackResolver;

namespace TransportGuard.Tests.Delivery.Mx;

/// <summary>When mail cannot go anywhere: permanent (bounce now) or temporary (RFC 3463 4.4.3, try again later).</summary>
public sealed class MxResolverFailureTests
{
    [Fact]
    public async Task A_null_mx_fails_permanently_with_5_1_10()
    {
        using var dns = new LoopbackDnsServer().Mx("nomail.example", 0, ".").Address("nomail.example", "127.0.0.1");
        Assert.Equal(new MxResult.Failed("5.1.10", "nomail.example does not accept mail (null MX, RFC 7505)", true),
            await ResolveAsync(dns, "nomail.example"));
    }

    [Fact]
    public async Task A_root_exchange_beside_real_mx_hosts_is_not_a_null_mx_and_is_not_looked_up()
    {
        using var dns = new LoopbackDnsServer().Mx("example.com", 0, ".").Mx("example.com", 10, "mx.example.com").Address("mx.example.com", "127.0.0.1");
        Assert.Equal("mx.example.com", Assert.Single(Found(await ResolveAsync(dns, "example.com")).Hosts).Name);
        Assert.Equal(["example.com 15", "mx.example.com 1", "mx.example.com 28"], dns.Questions);
    }

    [Fact]
    public async Task A_domain_that_does_not_exist_fails_permanently_with_5_1_2()
    {
        using var dns = new LoopbackDnsServer().NxDomain("nowhere.example");
        Assert.Equal(new MxResult.Failed("5.1.2", "nowhere.example does not exist", true), await ResolveAsync(dns, "nowhere.example"));
    }

    [Fact]
    public async Task Nxdomain_stays_permanent_for_a_client_that_throws_dns_errors()
    {
        using var dns = new LoopbackDnsServer().NxDomain("nowhere.example");
        var result = await For(dns, throwDnsErrors: true).ResolveAsync("nowhere.example", TestContext.Current.CancellationToken);
        Assert.Equal(("5.1.2", true), Failure(result));
    }

    [Fact]
    public async Task A_domain_with_neither_mx_nor_address_fails_permanently_with_5_1_2()
    {
        using var dns = new LoopbackDnsServer();
        Assert.Equal(new MxResult.Failed("5.1.2", "empty.example has neither MX nor address records", true),
            await ResolveAsync(dns, "empty.example"));
    }

    [Fact]
    public async Task Servfail_is_temporary()
    {
        using var dns = new LoopbackDnsServer().ServFail("broken.example");
        Assert.Equal(("4.4.3", false), Failure(await ResolveAsync(dns, "broken.example")));
    }

    [Fact]
    public async Task A_silent_server_is_temporary()
    {
        using var dns = new LoopbackDnsServer().Silent("silent.example");
        Assert.Equal(("4.4.3", false), Failure(await ResolveAsync(dns, "silent.example", timeoutMs: 300)));
    }

    [Fact]
    public async Task Mx_hosts_whose_lookups_fail_are_temporary()
    {
        using var dns = new LoopbackDnsServer().Mx("example.com", 10, "mx.example.com").Silent("mx.example.com");
        Assert.Equal(("4.4.3", false), Failure(await ResolveAsync(dns, "example.com", timeoutMs: 300)));
        lock (dns.Questions)
            Assert.Contains("mx.example.com 1", dns.Questions); // the MX was found; the host's own lookup failed
    }

    [Fact]
    public async Task Mx_hosts_without_addresses_are_temporary()
    {
        using var dns = new LoopbackDnsServer().Mx("example.com", 10, "gone.example.com").NxDomain("gone.example.com");
        Assert.Equal(new MxResult.Failed("4.4.4", "no MX host of example.com has an address", false), await ResolveAsync(dns, "example.com"));
    }

    [Theory]
    [InlineData("[127.1]")]
    [InlineData("[::1]")]
    [InlineData("[IPv6:127.0.0.1]")]
    [InlineData("[IPv6:fe80::1%eth0]")]
    [InlineData("[256.0.0.1]")]
    [InlineData("[127.0.0.1")]
    [InlineData("[]")]
    public async Task A_malformed_address_literal_fails_permanently_without_a_lookup(string domain)
    {
        using var dns = new LoopbackDnsServer();
        Assert.Equal(("5.1.2", true), Failure(await ResolveAsync(dns, domain)));
        Assert.Empty(dns.Questions);
    }

    [Theory]
    [InlineData("")]
    [InlineData("a..example")]
    public async Task A_name_idna_rejects_fails_permanently_without_a_lookup(string domain)
    {
        using var dns = new LoopbackDnsServer();
        Assert.Equal(("5.1.2", true), Failure(await ResolveAsync(dns, domain)));
        Assert.Empty(dns.Questions);
    }
}
