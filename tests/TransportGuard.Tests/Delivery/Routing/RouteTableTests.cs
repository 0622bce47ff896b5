using Microsoft.Extensions.Options;
using TransportGuard.Delivery;
using TransportGuard.Delivery.Routing;
using TransportGuard.Spool;

namespace TransportGuard.Tests.Delivery.Routing;

public sealed class RouteTableTests
{
    private static RouteTable Table(DeliveryOptions options) => new(Options.Create(options), Options.Create(new SpoolOptions { DataDirectory = "/srv/tg" }));

    [Fact]
    public void Without_configuration_everything_goes_to_the_local_maildir() =>
        Assert.Equal(new MaildirRoute("maildir:/srv/tg/mailbox", "/srv/tg/mailbox"), Table(new DeliveryOptions()).Resolve("a@example.com"));

    [Fact]
    public void Relay_to_makes_smart_hosts_the_default_and_domain_routes_win_over_it()
    {
        var table = Table(new DeliveryOptions
        {
            RelayTo = "127.0.0.1:2526,[::1]:2527",
            Routes = new() { ["example.com"] = "maildir:/m", [".corp.example"] = "smtp:10.0.0.5:25;tls=verify", ["other.test"] = "mx" },
        });
        var smart = Assert.IsType<SmartHostRoute>(table.Resolve("a@elsewhere.org"));
        Assert.Equal([new HostPort("127.0.0.1", 2526), new HostPort("::1", 2527)], smart.Hosts);
        Assert.Equal(TlsMode.May, smart.Tls);
        Assert.IsType<MaildirRoute>(table.Resolve("a@EXAMPLE.com"));
        Assert.IsType<SmartHostRoute>(table.Resolve("a@sub.example.com")); // exact domain only
        Assert.Equal(TlsMode.Verify, Assert.IsType<SmartHostRoute>(table.Resolve("a@x.y.corp.example")).Tls);
        Assert.IsType<SmartHostRoute>(table.Resolve("a@corp.example")); // ".corp.example" is subdomains only
        Assert.Equal(25, Assert.IsType<MxRoute>(table.Resolve("\"a@b\"@other.test")).Port);
    }

    [Theory]
    [InlineData("smtp:")]
    [InlineData("smtp:host")]
    [InlineData("smtp:::1:25")]
    [InlineData("smtp:host:70000")]
    [InlineData("maildir:")]
    [InlineData("carrier-pigeon:x")]
    [InlineData("smtp:h:25;tls=maybe")]
    [InlineData("mx:port")]
    public void Bad_routes_are_refused_with_a_reason(string spec)
    {
        Assert.False(RouteParser.TryParse(spec, out _, out var error));
        Assert.NotEmpty(error);
        Assert.Contains(new DeliveryOptions { DefaultRoute = spec }.Validate(), e => e.StartsWith("Delivery:DefaultRoute", StringComparison.Ordinal));
    }
}
