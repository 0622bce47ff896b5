using Microsoft.Extensions.Options;
using TransportGuard.Delivery;
using TransportGuard.Delivery.Routing;
using TransportGuard.Spool;

namespace TransportGuard.Tests.Delivery.Routing;

public sealed class RouteTableTests
{
    private static RouteTable Table(DeliveryOptions options, IActiveServers? active = null) =>
        new(Options.Create(options), Options.Create(new SpoolOptions { DataDirectory = "/srv/tg" }), active);

    private sealed class SecondServers : IActiveServers
    {
        public HostPort ActiveOf(MailboxClusterRoute route) => route.Servers[1];
    }

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

    [Fact]
    public void A_cluster_route_delivers_to_its_active_server_as_a_smart_host_under_the_clusters_spec_and_that_server_is_the_destination()
    {
        const string Spec = "cluster:127.0.0.1:2601,127.0.0.1:2602;replay=10m;tls=none";
        var options = new DeliveryOptions { Routes = new() { ["example.net"] = Spec, ["other.example"] = Spec } };
        var table = Table(options);
        Assert.IsType<MailboxClusterRoute>(table.Resolve("a@example.net"));

        var (route, destination) = table.Target("a@example.net");
        var smart = Assert.IsType<SmartHostRoute>(route);
        Assert.Equal(Spec, smart.Spec); // delivered mail is found by its route later (the Safety Net)
        Assert.Equal([new HostPort("127.0.0.1", 2601)], smart.Hosts);
        Assert.Equal(TlsMode.None, smart.Tls);
        Assert.Equal("127.0.0.1:2601", destination);
        // One job per route and destination: every recipient on the active server gets the same route.
        Assert.Same(route, table.Target("b@EXAMPLE.net").Route);
        Assert.Same(route, table.Target("c@other.example").Route);

        var moved = Table(options, new SecondServers()).Target("a@example.net");
        Assert.Equal("127.0.0.1:2602", moved.Destination);
        Assert.Equal([new HostPort("127.0.0.1", 2602)], Assert.IsType<SmartHostRoute>(moved.Route).Hosts);
    }

    [Fact]
    public void The_default_route_may_be_a_cluster_and_every_configured_route_is_listed_by_name()
    {
        var options = new DeliveryOptions { DefaultRoute = "cluster:[::1]:25,[::1]:26", Routes = new() { ["example.com."] = "mx" } };
        Assert.Equal("[::1]:25", Table(options).Target("a@elsewhere.org").Destination);
        var configured = RouteTable.Configured(options, new SpoolOptions()).ToList();
        Assert.Equal([RouteTable.DefaultName, "example.com"], configured.Select(c => c.Name));
        Assert.IsType<MailboxClusterRoute>(configured[0].Route);
    }
}
