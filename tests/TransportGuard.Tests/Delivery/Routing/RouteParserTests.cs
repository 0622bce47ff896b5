using TransportGuard.Delivery;
using TransportGuard.Delivery.Routing;

namespace TransportGuard.Tests.Delivery.Routing;

/// <summary>The mailbox cluster form of a route and the options after ';' (docs/safetynet.md, Mailbox clusters).</summary>
public sealed class RouteParserTests
{
    private static MailboxClusterRoute Cluster(string spec)
    {
        Assert.True(RouteParser.TryParse(spec, out var route, out var error), error);
        return Assert.IsType<MailboxClusterRoute>(route);
    }

    [Fact]
    public void A_cluster_lists_its_servers_in_order_with_a_replay_of_ten_minutes_and_opportunistic_tls_by_default()
    {
        var cluster = Cluster("cluster:127.0.0.1:2601,mbx2.example:2602,[::1]:2603");
        Assert.Equal([new HostPort("127.0.0.1", 2601), new HostPort("mbx2.example", 2602), new HostPort("::1", 2603)], cluster.Servers);
        Assert.Equal(TimeSpan.FromMinutes(10), cluster.Replay);
        Assert.Equal(MailboxClusterRoute.DefaultReplay, cluster.Replay);
        Assert.Equal(TlsMode.May, cluster.Tls);
        Assert.Equal("cluster:127.0.0.1:2601,mbx2.example:2602,[::1]:2603", cluster.Spec);
    }

    [Theory]
    [InlineData("cluster:127.0.0.1:2601,127.0.0.1:2602;replay=10m", 600, "May")]
    [InlineData("cluster:127.0.0.1:2601,127.0.0.1:2602;replay=30s;tls=none", 30, "None")]
    [InlineData("cluster:127.0.0.1:2601,127.0.0.1:2602;tls=verify;replay=2h", 7200, "Verify")]
    [InlineData("CLUSTER:127.0.0.1:2601, 127.0.0.1:2602 ; TLS=Encrypt ; Replay=1D", 86400, "Encrypt")]
    [InlineData("cluster:127.0.0.1:2601,127.0.0.1:2602;replay=0s", 0, "May")]
    public void Options_come_after_semicolons_in_any_order(string spec, int replaySeconds, string tls)
    {
        var cluster = Cluster(spec);
        Assert.Equal(TimeSpan.FromSeconds(replaySeconds), cluster.Replay);
        Assert.Equal(tls, cluster.Tls.ToString());
        Assert.Equal(2, cluster.Servers.Count);
    }

    [Fact]
    public void The_other_smtp_routes_keep_their_tls_option()
    {
        Assert.True(RouteParser.TryParse("smtp:10.0.0.5:25;tls=verify", out var smart, out _));
        Assert.Equal(TlsMode.Verify, Assert.IsType<SmartHostRoute>(smart).Tls);
        Assert.True(RouteParser.TryParse("mx:2525;tls=encrypt", out var mx, out _));
        Assert.Equal((TlsMode.Encrypt, 2525), (Assert.IsType<MxRoute>(mx).Tls, ((MxRoute)mx).Port));
    }

    [Theory]
    [InlineData("cluster:127.0.0.1:2601", "standby")]
    [InlineData("cluster:", "standby")]
    [InlineData("cluster:127.0.0.1:2601,127.0.0.1:2601", "more than once")]
    [InlineData("cluster:127.0.0.1:2601,host", "not HOST:PORT")]
    [InlineData("cluster:127.0.0.1:2601,127.0.0.1:2602;replay=10", "replay=DURATION")]
    [InlineData("cluster:127.0.0.1:2601,127.0.0.1:2602;replay=10w", "replay=DURATION")]
    [InlineData("cluster:127.0.0.1:2601,127.0.0.1:2602;replay=-1m", "replay=DURATION")]
    [InlineData("cluster:127.0.0.1:2601,127.0.0.1:2602;replay=", "replay=DURATION")]
    [InlineData("cluster:127.0.0.1:2601,127.0.0.1:2602;tls=may;tls=none", "more than once")]
    [InlineData("cluster:127.0.0.1:2601,127.0.0.1:2602;colour=blue", "not an option")]
    [InlineData("cluster:127.0.0.1:2601,127.0.0.1:2602;", "not an option")]
    [InlineData("smtp:127.0.0.1:25;replay=10m", "cluster: routes only")]
    [InlineData("mx;replay=10m", "cluster: routes only")]
    public void Bad_cluster_routes_are_refused_with_a_reason(string spec, string reason)
    {
        Assert.False(RouteParser.TryParse(spec, out _, out var error));
        Assert.Contains(reason, error, StringComparison.Ordinal);
        Assert.Contains(new DeliveryOptions { Routes = new() { ["example.net"] = spec } }.Validate(),
            e => e.StartsWith("Delivery:Routes:example.net: ", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("30s", 30)]
    [InlineData("10m", 600)]
    [InlineData("2h", 7200)]
    [InlineData("1d", 86400)]
    [InlineData("90S", 90)]
    public void Durations_are_a_whole_number_of_seconds_minutes_hours_or_days(string text, int seconds)
    {
        Assert.True(RouteParser.TryParseDuration(text, out var duration));
        Assert.Equal(TimeSpan.FromSeconds(seconds), duration);
    }

    [Theory]
    [InlineData("")]
    [InlineData("m")]
    [InlineData("1.5h")]
    [InlineData("+1m")]
    [InlineData("10 m")]
    [InlineData("00:10:00")]
    [InlineData("99999999d")]
    public void Anything_else_is_not_a_duration(string text) => Assert.False(RouteParser.TryParseDuration(text, out _));
}
