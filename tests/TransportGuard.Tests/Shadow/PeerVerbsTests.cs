using System.Net;
using TransportGuard.Tests.Support;

namespace TransportGuard.Tests.Shadow;

/// <summary>The inter-node verbs exist only for configured peers, recognised by the address they connect from.</summary>
public sealed class PeerVerbsTests
{
    private static Task<TestGateway> StartAsync() => TestGateway.StartAsync(
        ("Shadow:NodeId", "hub1"), ("Shadow:Peers:0", "edge@127.0.0.3:2525"), ("Shadow:Peers:1", "hub1@127.0.0.1:2525"));

    [Fact]
    public async Task A_stranger_is_not_offered_xshadow_and_the_verbs_are_unknown_commands()
    {
        await using var gateway = await StartAsync();
        await using var client = await RawSmtpClient.ConnectFromAsync(gateway.SmtpEndPoint, IPAddress.Parse("127.0.0.9"));
        var ehlo = await client.CommandAsync("EHLO stranger.test");
        Assert.DoesNotContain(ehlo.Lines, l => l.Contains("XSHADOW", StringComparison.Ordinal));
        foreach (var verb in new[] { "XSHADOW edge", "XQUERYDISCARD edge 0", "XQDISCARD edge 0", "XQUERYTAKEN edge" })
        {
            var reply = await client.CommandAsync(verb);
            Assert.Equal((500, "5.5.1"), (reply.Code, reply.Enhanced));
        }
        Assert.Equal(555, (await client.CommandAsync("MAIL FROM:<a@example.org> XSHADOWOF=edge:00000000000000A")).Code);
    }

    [Fact]
    public async Task A_peer_is_offered_xshadow_and_gets_the_primary_id_discard_batches_and_the_incarnation()
    {
        await using var gateway = await StartAsync();
        await using var client = await RawSmtpClient.ConnectFromAsync(gateway.SmtpEndPoint, IPAddress.Parse("127.0.0.3"));
        Assert.Contains((await client.CommandAsync("EHLO edge.test")).Lines, l => l.EndsWith("XSHADOW", StringComparison.Ordinal));
        Assert.Equal("250 hub1", (await client.CommandAsync("XSHADOW edge")).Last);
        Assert.Equal(501, (await client.CommandAsync("XSHADOW somebody-else")).Code); // the id must be the one this address belongs to

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
