using System.Net;
using Microsoft.Extensions.DependencyInjection;
using TransportGuard.Shadow;
using TransportGuard.Tests.Support;

namespace TransportGuard.Tests.Shadow;

/// <summary>
/// Discard notices for shadows a holder no longer (or not yet) has. A shadow copy whose primary gave up waiting for
/// our 250 (docs/protocol.md, Copies): the primary tells us to discard it at once, and if that notice comes before
/// the copy has committed here, the copy is dropped when it does, instead of staying an orphan that nobody discards
/// and that a takeover would deliver again. A shadow we took over while its primary was down, which the primary
/// had ended itself: its notice ends our copy, which it would otherwise never ask about.
/// </summary>
public sealed class LateCopyTests
{
    [Fact]
    public async Task A_copy_committed_after_its_primary_sent_the_discard_notice_is_dropped_not_kept()
    {
        await using var gateway = await TestGateway.StartAsync(("Shadow:NodeId", "hub1"), PeerSession.Setting, ("Shadow:Peers:0", "edge@127.0.0.3:2525"),
            ("Shadow:ShadowBeforeAck", "false"));
        // The notice for the edge's message 00000000000000A arrives first (the edge timed out on its copy to us).
        await gateway.Services.GetRequiredService<ShadowManager>().DiscardAsync("edge", ["00000000000000A"]);

        await SendShadowCopyAsync(gateway, "00000000000000A");

        await Eventually.UntilAsync(() => gateway.Messages().Count == 0, TimeSpan.FromSeconds(10),
            () => $"{gateway.Messages().Count} message(s) still in the spool: the late copy was kept", 20);
        Assert.Equal(0, gateway.Services.GetRequiredService<ShadowStore>().Count("edge"));
    }

    [Fact]
    public async Task A_discard_notice_for_a_message_already_taken_over_ends_the_copy()
    {
        // The edge is configured but never answers: its shadows here are taken over about a second after the start.
        await using var gateway = await TestGateway.StartAsync(("Shadow:NodeId", "hub1"), PeerSession.Setting, ("Shadow:Peers:0", "edge@127.0.0.3:2525"),
            ("Shadow:ShadowBeforeAck", "false"));
        await SendShadowCopyAsync(gateway, "00000000000000B");
        await Eventually.UntilAsync(() => gateway.Messages() is [{ Envelope.TakenOverFrom: not null }], TimeSpan.FromSeconds(15),
            () => "the shadow was not taken over", 20);

        // The edge is back and its discard notice says it had delivered that message itself.
        await gateway.Services.GetRequiredService<ShadowManager>().DiscardAsync("edge", ["00000000000000B"]);

        await Eventually.UntilAsync(() => gateway.Messages().Count == 0, TimeSpan.FromSeconds(10),
            () => "the taken-over copy is still kept", 20);
    }

    /// <summary>The edge (an authenticated peer session) sends its shadow copy of its message <paramref name="primaryQueueId"/>.</summary>
    private static async Task SendShadowCopyAsync(TestGateway gateway, string primaryQueueId)
    {
        await using var client = await PeerSession.ConnectAsync(gateway.SmtpEndPoint, "edge", "hub1");
        Assert.Equal(250, (await client.CommandAsync("XSHADOW edge")).Code);
        Assert.Equal(250, (await client.CommandAsync($"MAIL FROM:<a@example.org> XSHADOWOF=edge:{primaryQueueId}")).Code);
        Assert.Equal(250, (await client.CommandAsync("RCPT TO:<b@example.com>")).Code);
        Assert.Equal(354, (await client.CommandAsync("DATA")).Code);
        Assert.Equal(250, (await client.CommandAsync("Subject: a shadow copy\r\n\r\nbody\r\n.")).Code);
    }
}
