using TransportGuard.Tests.Support;

namespace TransportGuard.Tests.Shadow;

/// <summary>
/// Peer sessions are not clients (docs/security.md, Peer sessions): when the client limits are full a peer still gets
/// in and authenticates, an authenticated peer gives its client slot back, and the peer pool has a bound of its own.
/// </summary>
public sealed class PeerSessionLimitsTests
{
    private static Task<TestGateway> StartAsync(int maxPeerSessions = 64, string authenticationTimeout = "00:00:10") => TestGateway.StartAsync(
        ("Shadow:NodeId", "hub1"), PeerSession.Setting, ("Shadow:Peers:0", "edge@edge.cluster.test:2525"), ("Shadow:Peers:1", "hub1@127.0.0.1:2525"),
        ("Smtp:Limits:MaxSessionsPerClient", "1"), ("Cluster:MaxPeerSessions", maxPeerSessions.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        ("Cluster:AuthenticationTimeout", authenticationTimeout));

    [Fact]
    public async Task A_peer_gets_in_past_full_client_limits_and_a_client_past_them_is_refused_at_mail()
    {
        await using var gateway = await StartAsync();
        await using var client = await RawSmtpClient.ConnectGreetedAsync(gateway.SmtpEndPoint); // the one client slot of 127.0.0.1

        await using var peer = await PeerSession.ConnectAsync(gateway.SmtpEndPoint, "edge", "hub1");
        Assert.Equal(250, (await peer.CommandAsync("XQUERYDISCARD edge 0 NONE")).Code);

        await using var another = await RawSmtpClient.ConnectGreetedAsync(gateway.SmtpEndPoint); // let in: it might have been a peer
        var refused = await another.CommandAsync("MAIL FROM:<a@example.org>");
        Assert.Equal("421 4.7.0 Error: too many connections from your address, try again later", refused.Last);
        Assert.True(await another.IsClosedByServerAsync());
    }

    [Fact]
    public async Task An_authenticated_peer_gives_its_client_slot_back()
    {
        await using var gateway = await StartAsync();
        await using var peer = await PeerSession.ConnectAsync(gateway.SmtpEndPoint, "edge", "hub1"); // came in on the client slot
        await using var client = await RawSmtpClient.ConnectGreetedAsync(gateway.SmtpEndPoint);
        await client.BeginEnvelopeAsync(); // a client's transaction goes on: the slot is free again
    }

    [Fact]
    public async Task Strangers_holding_the_provisional_slots_never_take_an_authenticated_peers_slot()
    {
        await using var gateway = await StartAsync(maxPeerSessions: 1);
        await using var client = await RawSmtpClient.ConnectGreetedAsync(gateway.SmtpEndPoint);
        await using var peer = await PeerSession.ConnectAsync(gateway.SmtpEndPoint, "edge", "hub1"); // provisional, then the one peer slot
        await using var stranger = await RawSmtpClient.ConnectGreetedAsync(gateway.SmtpEndPoint); // the one provisional slot
        await using var refused = await RawSmtpClient.ConnectAsync(gateway.SmtpEndPoint); // both full
        Assert.Equal("421 4.7.0 Error: too many connections from your address, try again later", (await refused.ReadReplyAsync()).Last);
        Assert.Equal(250, (await peer.CommandAsync("XQUERYDISCARD edge 0 NONE")).Code); // the peer's session goes on
    }

    [Fact]
    public async Task A_connection_let_in_only_to_authenticate_is_closed_at_its_deadline_whatever_it_sends()
    {
        await using var gateway = await StartAsync(authenticationTimeout: "00:00:01.500");
        await using var client = await RawSmtpClient.ConnectGreetedAsync(gateway.SmtpEndPoint);
        await using var stranger = await RawSmtpClient.ConnectGreetedAsync(gateway.SmtpEndPoint);
        var closedAfter = System.Diagnostics.Stopwatch.StartNew();
        string? last = null;
        while (closedAfter.Elapsed < TimeSpan.FromSeconds(10))
        {
            var reply = await stranger.CommandAsync("NOOP");
            last = reply.Last;
            if (reply.Code != 250)
                break;
            await Task.Delay(200, TestContext.Current.CancellationToken);
        }
        Assert.StartsWith("421", last, StringComparison.Ordinal);
        Assert.True(await stranger.IsClosedByServerAsync());
    }
}
