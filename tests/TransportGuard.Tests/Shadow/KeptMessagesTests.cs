using Microsoft.Extensions.DependencyInjection;
using TransportGuard.Shadow;
using TransportGuard.Spool;
using TransportGuard.Tests.Support;

namespace TransportGuard.Tests.Shadow;

/// <summary>
/// The end of a message kept for two holds at once (docs/protocol.md): an edge's message that the other edge shadows
/// (it waits for that holder's acknowledgement of our discard notice) and that is our shadow of the hub's copy (it
/// waits for the hub's discard notice). The two may come at the same moment, on two threads, each release reading the
/// progress before the other has written. Seen in the chaos suite (mailbox-failover seeds 1005 and 20): the edge kept
/// such a message to the end of the run, deliverable with nothing left to deliver, never finished.
/// </summary>
public sealed class KeptMessagesTests
{
    [Fact]
    public async Task Two_holds_released_at_once_still_finish_the_message()
    {
        await using var gateway = await TestGateway.StartAsync();
        var store = gateway.Services.GetRequiredService<IMessageStore>();
        var id = await KeptForBothAsync(gateway);

        // The hub's discard notice is handled by a release that read the progress before the other release wrote.
        var late = new KeptMessages(new ProgressAsOf(store, id, store.Progress(id)), gateway.Services.GetRequiredService<QueueIdGenerator>(),
            gateway.Services.GetRequiredService<TakenReports>(), TransportGuard.Tracking.NoMessageTracker.Instance);
        await gateway.Services.GetRequiredService<KeptMessages>().ReleaseAsync(id, shadowDiscarded: false, "discard acknowledged by e1 (test)");
        Assert.True(store.TryGet(id, out _), "released with the hub's hold still on");
        await late.ReleaseAsync(id, shadowDiscarded: true, "shadow discarded: hub delivered H0000000000001 (test)");

        Assert.False(store.TryGet(id, out _), $"still in the queue with no hold left: {store.Progress(id)}");
    }

    [Fact]
    public async Task A_release_with_the_other_hold_still_on_keeps_the_message()
    {
        await using var gateway = await TestGateway.StartAsync();
        var store = gateway.Services.GetRequiredService<IMessageStore>();
        var id = await KeptForBothAsync(gateway);
        var kept = gateway.Services.GetRequiredService<KeptMessages>();

        await kept.ReleaseAsync(id, shadowDiscarded: true, "shadow discarded (test)");
        Assert.True(store.TryGet(id, out _));
        Assert.True(store.Progress(id).AwaitingDiscard);
        await kept.ReleaseAsync(id, shadowDiscarded: false, "discard acknowledged (test)");
        Assert.False(store.TryGet(id, out _));
    }

    [Fact]
    public async Task A_discard_notice_that_came_before_the_shadow_was_kept_still_ends_it()
    {
        await using var gateway = await TestGateway.StartAsync();
        var store = gateway.Services.GetRequiredService<IMessageStore>();
        var now = DateTimeOffset.UtcNow;
        var template = new SpooledEnvelope(gateway.Services.GetRequiredService<QueueIdGenerator>().Next(), "a@example.org",
            [new SpooledRecipient("b@example.com", "")], "", "127.0.0.9", "client.test", false, now, [], 0, "");
        var message = await gateway.Spool.StoreAsync(template, "Subject: early\r\n\r\nbody\r\n"u8.ToArray(), CancellationToken.None);
        var id = message.Envelope.QueueId;
        // The hub took it with XSHADOW, delivered it and sent its discard notice before our record of the handoff was
        // durable: the notice found no shadow here.
        var primary = new ShadowRef("hub", "H0000000000002", now);
        await gateway.Services.GetRequiredService<ShadowManager>().DiscardAsync("hub", [primary.PrimaryQueueId]);

        var keep = gateway.Services.GetRequiredService<ShadowKeeper>().Keep(message, store.Progress(id),
            [new TransportGuard.Delivery.RecipientResult("b@example.com", TransportGuard.Delivery.DeliveryOutcome.Delivered, "2.0.0", "250 queued as H0000000000002", "hub", Primary: primary)]);
        var recorded = await store.RecordProgressAsync(id, Assert.IsType<TransportGuard.Queue.KeepRequest>(keep).Apply, "ended; shadowed for hub (test)");
        keep.Kept(recorded!);

        await Eventually.UntilAsync(() => !store.TryGet(id, out _), TimeSpan.FromSeconds(10), () => $"still kept: {store.Progress(id)}");
        Assert.Equal(0, gateway.Services.GetRequiredService<ShadowStore>().Count("hub"));
    }

    /// <summary>A delivered message kept for both holds: our discard notice to its holder, and as our shadow of the
    /// hub's copy H0000000000001.</summary>
    private static async Task<string> KeptForBothAsync(TestGateway gateway)
    {
        var now = DateTimeOffset.UtcNow;
        var template = new SpooledEnvelope(gateway.Services.GetRequiredService<QueueIdGenerator>().Next(), "a@example.org",
            [new SpooledRecipient("b@example.com", "")], "", "127.0.0.9", "client.test", false, now, [], 0, "");
        var id = (await gateway.Spool.StoreAsync(template, "Subject: kept\r\n\r\nbody\r\n"u8.ToArray(), CancellationToken.None)).Envelope.QueueId;
        await gateway.Services.GetRequiredService<IMessageStore>().RecordProgressAsync(id,
            p => p with { AwaitingDiscard = true, Shadow = new ShadowRef("hub", "H0000000000001", now) }, "delivered (test)");
        return id;
    }

    /// <summary>The store as a release sees it that read <paramref name="id"/>'s progress at <paramref name="asOf"/>.</summary>
    private sealed class ProgressAsOf(IMessageStore store, string id, MessageProgress asOf) : IMessageStore
    {
        public bool IsOpen => store.IsOpen;
        public bool Faulted => store.Faulted;
        public int Count => store.Count;
        public IEnumerable<SpooledMessage> Messages => store.Messages;
        public IEnumerable<SpooledMessage> Unordered => store.Unordered;
        public RetainedMessages Retained => store.Retained;

        public event Action<SpooledMessage>? Committed
        {
            add => store.Committed += value;
            remove => store.Committed -= value;
        }

        public bool TryGet(string queueId, out SpooledMessage message) => store.TryGet(queueId, out message);
        public MessageProgress Progress(string queueId) => queueId == id ? asOf : store.Progress(queueId);

        public Task<MessageProgress?> RecordProgressAsync(string queueId, Func<MessageProgress, MessageProgress> change, string reason) =>
            store.RecordProgressAsync(queueId, change, reason);

        public Task MarkFinishedAsync(string queueId, string reason, IEnumerable<RecipientOutcome>? outcomes = null) =>
            store.MarkFinishedAsync(queueId, reason, outcomes);

        public Task<SpooledMessage> StoreAsync(SpooledEnvelope template, ReadOnlyMemory<byte> content, CancellationToken cancellationToken) =>
            store.StoreAsync(template, content, cancellationToken);

        public IAsyncEnumerable<ReadOnlyMemory<byte>> ReadChunksAsync(SpooledEnvelope envelope, CancellationToken cancellationToken = default) =>
            store.ReadChunksAsync(envelope, cancellationToken);

        public Task<byte[]> ReadContentAsync(SpooledEnvelope envelope, CancellationToken cancellationToken = default) =>
            store.ReadContentAsync(envelope, cancellationToken);
    }
}
