using System.Net;
using Microsoft.Extensions.DependencyInjection;
using TransportGuard.Shadow;
using TransportGuard.Tests.Support;

namespace TransportGuard.Tests.Shadow;

/// <summary>
/// A shadow copy whose primary gave up waiting for our 250 (docs/protocol.md, Copies): the primary tells us to
/// discard it at once, and if that notice comes before the copy has committed here, the copy is dropped when it
/// does, instead of staying an orphan that nobody discards and that a takeover would deliver again.
/// </summary>
public sealed class LateCopyTests
{
    [Fact]
    public async Task A_copy_committed_after_its_primary_sent_the_discard_notice_is_dropped_not_kept()
    {
        await using var gateway = await TestGateway.StartAsync(("Shadow:NodeId", "hub1"), ("Shadow:Peers:0", "edge@127.0.0.3:2525"),
            ("Shadow:ShadowBeforeAck", "false"));
        // The notice for the edge's message 00000000000000A arrives first (the edge timed out on its copy to us).
        await gateway.Services.GetRequiredService<ShadowManager>().DiscardAsync("edge", ["00000000000000A"]);

        await using (var client = await RawSmtpClient.ConnectFromAsync(gateway.SmtpEndPoint, IPAddress.Parse("127.0.0.3")))
        {
            await client.CommandAsync("EHLO edge.test");
            Assert.Equal(250, (await client.CommandAsync("XSHADOW edge")).Code);
            Assert.Equal(250, (await client.CommandAsync("MAIL FROM:<a@example.org> XSHADOWOF=edge:00000000000000A")).Code);
            Assert.Equal(250, (await client.CommandAsync("RCPT TO:<b@example.com>")).Code);
            Assert.Equal(354, (await client.CommandAsync("DATA")).Code);
            Assert.Equal(250, (await client.CommandAsync("Subject: late copy\r\n\r\nbody\r\n.")).Code);
        }

        await Eventually.UntilAsync(() => gateway.Messages().Count == 0, TimeSpan.FromSeconds(10),
            () => $"{gateway.Messages().Count} message(s) still in the spool: the late copy was kept", 20);
        Assert.Equal(0, gateway.Services.GetRequiredService<ShadowStore>().Count("edge"));
    }
}
