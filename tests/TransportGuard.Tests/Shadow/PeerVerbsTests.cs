using System.Net;
using TransportGuard.Tests.Support;

namespace TransportGuard.Tests.Shadow;

/// <summary>
/// The inter-node verbs exist only on a session that proved a configured peer's id with the cluster secret
/// (docs/security.md, Peer authentication); where a connection comes from proves nothing.
/// </summary>
public sealed class PeerVerbsTests
{
    private static Task<TestGateway> StartAsync() => TestGateway.StartAsync(
        ("Shadow:NodeId", "hub1"), PeerSession.Setting, ("Shadow:Peers:0", "edge@127.0.0.3:2525"), ("Shadow:Peers:1", "hub1@127.0.0.1:2525"));

    [Fact]
    public async Task A_stranger_is_not_offered_xshadow_and_the_verbs_are_unknown_commands_even_from_a_peers_address()
    {
        await using var gateway = await StartAsync();
        foreach (var source in new[] { "127.0.0.9", "127.0.0.3" })
        {
            await using var client = await RawSmtpClient.ConnectFromAsync(gateway.SmtpEndPoint, IPAddress.Parse(source));
            Assert.Equal(220, (await client.CommandAsync("STARTTLS")).Code);
            await client.StartTlsAsync();
            var ehlo = await client.CommandAsync("EHLO stranger.test");
            Assert.DoesNotContain(ehlo.Lines, l => l.Contains("XSHADOW", StringComparison.Ordinal));
            foreach (var verb in new[] { "XSHADOW edge", "XQUERYDISCARD edge 0", "XQDISCARD edge 0", "XQUERYTAKEN edge" })
            {
                var reply = await client.CommandAsync(verb);
                Assert.Equal((500, "5.5.1"), (reply.Code, reply.Enhanced));
            }
            Assert.Equal(555, (await client.CommandAsync("MAIL FROM:<a@example.org> XSHADOWOF=edge:00000000000000A")).Code);
        }
    }

    [Fact]
    public async Task A_wrong_secret_is_refused_and_the_session_closed()
    {
        await using var gateway = await StartAsync();
        await using var client = await RawSmtpClient.ConnectGreetedAsync(gateway.SmtpEndPoint, "edge.test");
        var reply = await PeerSession.AuthenticateAsync(client, "edge", "hub1", secret: "not-the-cluster-secret-at-all");
        Assert.Equal((535, "5.7.8"), (reply.Code, reply.Enhanced));
        Assert.True(await client.IsClosedByServerAsync());
    }

    [Fact]
    public async Task Authentication_needs_tls_first()
    {
        await using var gateway = await StartAsync();
        await using var client = await RawSmtpClient.ConnectGreetedAsync(gateway.SmtpEndPoint, "edge.test");
        var reply = await client.CommandAsync("XPEERAUTH edge");
        Assert.Equal((530, "5.7.0"), (reply.Code, reply.Enhanced));
    }

    [Fact]
    public async Task A_replayed_proof_meets_a_fresh_nonce_and_is_refused()
    {
        await using var gateway = await StartAsync();
        string clientNonce, proof;
        await using (var first = await RawSmtpClient.ConnectGreetedAsync(gateway.SmtpEndPoint, "edge.test"))
        {
            Assert.Equal(220, (await first.CommandAsync("STARTTLS")).Code);
            await first.StartTlsAsync();
            await first.CommandAsync("EHLO edge.test");
            var nonce = (await first.CommandAsync("XPEERAUTH edge")).Last.Split(' ')[^1];
            clientNonce = new string('7', 64);
            var certificate = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(first.ServerCertificate!));
            proof = PeerSession.Proof(PeerSession.Secret, "client", nonce, clientNonce, "edge", "hub1", certificate);
            Assert.Equal(235, (await first.CommandAsync($"XPEERAUTH edge {clientNonce} {proof}")).Code); // the transcript an eavesdropper would keep
        }

        await using var replay = await RawSmtpClient.ConnectGreetedAsync(gateway.SmtpEndPoint, "edge.test");
        Assert.Equal(220, (await replay.CommandAsync("STARTTLS")).Code);
        await replay.StartTlsAsync();
        await replay.CommandAsync("EHLO edge.test");
        Assert.Equal(250, (await replay.CommandAsync("XPEERAUTH edge")).Code);
        Assert.Equal(535, (await replay.CommandAsync($"XPEERAUTH edge {clientNonce} {proof}")).Code);
    }

    [Fact]
    public async Task A_node_that_knows_the_secret_but_is_not_a_configured_peer_gets_no_peer_verbs()
    {
        await using var gateway = await StartAsync();
        await using var client = await PeerSession.ConnectAsync(gateway.SmtpEndPoint, "elsewhere", "hub1");
        Assert.DoesNotContain((await client.CommandAsync("EHLO elsewhere.test")).Lines, l => l.Contains("XSHADOW", StringComparison.Ordinal));
        Assert.Equal(500, (await client.CommandAsync("XQUERYDISCARD elsewhere 0")).Code);
    }

    [Fact]
    public async Task A_peer_is_offered_xshadow_and_gets_the_primary_id_discard_batches_and_the_incarnation()
    {
        await using var gateway = await StartAsync();
        // From an address that is not the one configured for edge: the proof is what counts.
        await using var client = await PeerSession.ConnectAsync(gateway.SmtpEndPoint, "edge", "hub1");
        Assert.Contains((await client.CommandAsync("EHLO edge.test")).Lines, l => l.EndsWith("XSHADOW", StringComparison.Ordinal));
        Assert.Equal("250 hub1", (await client.CommandAsync("XSHADOW edge")).Last);
        var other = await client.CommandAsync("XSHADOW somebody-else"); // the id must be the one the session proved
        Assert.Equal(501, other.Code);
        Assert.Contains("authenticated as edge", other.Last, StringComparison.Ordinal);

        var first = await client.CommandAsync("XQUERYDISCARD edge 0");
        Assert.Equal(250, first.Code);
        var incarnation = Assert.Single(first.Lines, l => l.Contains("INCARNATION ", StringComparison.Ordinal));
        Assert.Contains(first.Lines, l => l.Contains("BATCH ", StringComparison.Ordinal));
        Assert.EndsWith("0 discard notice(s)", first.Last, StringComparison.Ordinal);
        var alias = await client.CommandAsync("XQDISCARD edge 1");
        Assert.Equal(incarnation, Assert.Single(alias.Lines, l => l.Contains("INCARNATION ", StringComparison.Ordinal))); // same spool, same id
        Assert.EndsWith("0 message(s) taken over", (await client.CommandAsync("XQUERYTAKEN edge")).Last, StringComparison.Ordinal);
    }
}
