using Microsoft.Extensions.DependencyInjection;
using TransportGuard.Queue;
using TransportGuard.Spool;
using TransportGuard.Tests.Support;

namespace TransportGuard.Tests.Queue;

/// <summary>The queue's delivery gate (docs/architecture.md, Seams), with a gate of the test's own at the seam.</summary>
public sealed class GateTests
{
    /// <summary>Refuses each message's first completion, as takeover fencing does when a lease lapses mid-delivery.</summary>
    private sealed class RefuseFirstCompletion : IDeliveryGate
    {
        private readonly System.Collections.Concurrent.ConcurrentDictionary<string, byte> _refused = new();

        public bool MayStart(SpooledMessage message) => true;

        public bool MayComplete(SpooledMessage message) => !_refused.TryAdd(message.Envelope.QueueId, 0);

        public event Action<string>? Reopened { add { } remove { } }
    }

    [Fact]
    public async Task A_delivery_a_gate_abandoned_at_its_final_dot_goes_again_at_once_not_after_the_retry_backoff()
    {
        await using var hop = ScriptedNextHop.Start();
        await using var gateway = await TestGateway.StartAsync(null, services => services.AddSingleton<IDeliveryGate, RefuseFirstCompletion>(),
            ("Queue:Suspended", "false"), ("Delivery:RelayTo", $"127.0.0.1:{hop.Port}"), ("Queue:RetryInitialDelay", "00:10:00"));
        const int Messages = 30;
        for (var i = 0; i < Messages; i++)
            await Relay.SendAsync(gateway, "a@example.org", ["b@example.com"], Relay.Body($"abandoned once {i}"));

        // Each first transfer stopped short of its final dot; the next came at once, not after 10 minutes, and none
        // was passed over while its first attempt was still winding up.
        await Eventually.UntilAsync(() => hop.Messages.Count == Messages, TimeSpan.FromSeconds(20),
            () => $"not delivered again: {string.Join("; ", gateway.Services.GetRequiredService<QueueAdmin>().List().Select(i => $"{i.QueueId} {i.State} {i.LastError}"))}", 20);
        await Relay.DrainedAsync(gateway, TimeSpan.FromSeconds(20));
        Assert.Equal(2 * Messages, hop.Transcript.Count(l => l == "DATA"));
    }
}
