using Microsoft.Extensions.DependencyInjection;
using TransportGuard.Spool;
using TransportGuard.Tests.Support;

namespace TransportGuard.Tests.Shadow;

/// <summary>
/// A takeover (docs/protocol.md, Takeover) skips and reports a shadow it cannot read instead of stopping there,
/// and keeps taking over what arrives while the primary stays down.
/// </summary>
public sealed class TakeoverRobustnessTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task An_unreadable_shadow_is_skipped_and_reported_and_later_shadows_are_taken_over_too()
    {
        // p1's address has no listener: its heartbeats fail from the start and it is declared down about 1 s in.
        await using var holder = await TestGateway.StartAsync(
            ("Shadow:NodeId", "hub"), PeerSession.Setting, ("Shadow:Peers:0", $"p1@127.0.0.5:{PostfixInstance.FreePort()}"), ("Shadow:Peers:1", "hub@127.0.0.1:2525"));
        var good = Enumerable.Range(1, 9).Select(i => $"P{i}").ToList();
        foreach (var primaryId in good)
            await ShadowAsync(holder, primaryId, damaged: false);
        await ShadowAsync(holder, "P0", damaged: true);
        using var http = AdminHttp.For(holder);

        await Eventually.UntilAsync(() => TakenOver(holder).Count == good.Count, Wait, () => $"{TakenOver(holder).Count} of {good.Count} taken over", 50);
        Assert.Equal(good.Order(), TakenOver(holder).Order());
        Assert.Contains("transportguard_shadow_takeover_failures_total 1", await http.TextAsync("/metrics"), StringComparison.Ordinal);
        Assert.Contains(holder.Spool.Index.Messages, m => m.Envelope.ShadowOf?.PrimaryQueueId == "P0"); // left for an operator

        await ShadowAsync(holder, "P10", damaged: false); // arrives while p1 is still down
        await Eventually.UntilAsync(() => TakenOver(holder).Contains("P10"), Wait, () => "a shadow that came after the takeover was never taken over", 50);
    }

    private static List<string> TakenOver(TestGateway holder) =>
        [.. holder.Spool.Index.Messages.Select(m => m.Envelope.TakenOverFrom?.PrimaryQueueId).OfType<string>()];

    /// <summary>A shadow p1 sent us; a damaged one's content no longer matches its envelope's hash.</summary>
    private static async Task ShadowAsync(TestGateway holder, string primaryId, bool damaged)
    {
        var id = holder.Services.GetRequiredService<QueueIdGenerator>().Next();
        var content = "Subject: shadow\r\n\r\nbody\r\n"u8.ToArray();
        var chunks = new List<long>();
        await holder.Spool.AppendContentAsync(id, content, chunks, CancellationToken.None);
        var now = DateTimeOffset.UtcNow;
        await holder.Spool.CommitMessageAsync(new SpooledEnvelope(id, "a@example.org", [new SpooledRecipient("b@example.com", "")], "", "127.0.0.5", "p1.test",
            false, now, chunks, content.Length, damaged ? new string('0', 64) : Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(content)),
            ShadowOf: new ShadowRef("p1", primaryId, now)));
    }
}
