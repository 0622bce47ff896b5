using System.Net;
using Microsoft.Extensions.Time.Testing;
using TransportGuard.Tests.Support;

namespace TransportGuard.Tests.Shadow;

/// <summary>A shadow whose primary never sends a discard notice is dropped after ShadowMessageAutoDiscardInterval,
/// with a metric and a log line, on a virtual clock.</summary>
public sealed class AutoDiscardTests
{
    [Fact]
    public async Task A_shadow_copy_never_discarded_is_dropped_after_the_interval_and_not_before()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var gateway = await TestGateway.StartAsync(time,
            ("Shadow:NodeId", "hub"), PeerSession.Setting, ("Shadow:Peers:0", "edge@127.0.0.3:2525"), ("Shadow:Peers:1", "hub@127.0.0.1:2525"),
            ("Shadow:ShadowMessageAutoDiscardInterval", "2.00:00:00"), ("Queue:Suspended", "false"),
            // The edge is not listening: its heartbeats fail. A virtual clock jumping two days fires a periodic timer
            // once per period it skips, so a 300 ms heartbeat would fail thousands of times and take the shadow over.
            ("Shadow:ShadowHeartbeatFrequency", "1.00:00:00"), ("Shadow:ShadowHeartbeatRetryCount", "100"));
        await using (var edge = await PeerSession.ConnectAsync(gateway.SmtpEndPoint, "edge", "hub"))
        {
            Assert.Equal("250 hub", (await edge.CommandAsync("XSHADOW edge")).Last);
            Assert.Equal(250, (await edge.CommandAsync("MAIL FROM:<a@example.org> XSHADOWOF=edge:00T41EDGEQUEUE1")).Code);
            Assert.Equal(250, (await edge.CommandAsync("RCPT TO:<b@example.com>")).Code);
            Assert.Equal(354, (await edge.CommandAsync("DATA")).Code);
            Assert.Equal(250, (await edge.CommandAsync("Subject: shadow\r\n\r\nbody\r\n.")).Code);
        }
        var shadow = Assert.Single(gateway.Messages());
        Assert.Equal("edge", shadow.Envelope.ShadowOf!.Primary);
        Assert.Equal("00T41EDGEQUEUE1", shadow.Envelope.ShadowOf.PrimaryQueueId);

        time.Advance(TimeSpan.FromDays(2) - TimeSpan.FromMinutes(5));
        await Task.Delay(300, TestContext.Current.CancellationToken);
        Assert.Single(gateway.Messages()); // not a moment early (and never delivered: it is edge's to deliver)

        time.Advance(TimeSpan.FromMinutes(10));
        await Eventually.UntilAsync(() => gateway.Messages().Count == 0, TimeSpan.FromSeconds(10), () => "the shadow was not auto-discarded");
        using var http = AdminHttp.For(gateway);
        Assert.Contains("transportguard_shadow_auto_discarded_total 1", await http.TextAsync("/metrics"), StringComparison.Ordinal);
    }
}
