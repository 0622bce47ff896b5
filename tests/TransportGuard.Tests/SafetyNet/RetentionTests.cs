using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using TransportGuard.SafetyNet;
using TransportGuard.Spool;
using TransportGuard.Telemetry;
using TransportGuard.Tests.Spool;

namespace TransportGuard.Tests.SafetyNet;

/// <summary>The spool keeps delivered mail for the Safety Net (docs/safetynet.md): named by the Finished record,
/// durable across a reopen, truncation stopping before it, and let go by the janitor on a virtual clock.</summary>
public sealed class RetentionTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 30, 10, 0, 0, TimeSpan.Zero);

    private static RecipientOutcome Delivered(string recipient, DateTimeOffset at, string? destination = "127.0.0.1:2601") =>
        new(recipient, RecipientStatus.Delivered, "2.0.0", "250 2.0.0 Ok", "mbx1.test[127.0.0.1]:2601", at, "cluster:127.0.0.1:2601,127.0.0.1:2602", destination);

    [Fact]
    public async Task A_delivered_message_is_retained_readable_and_still_retained_after_a_reopen()
    {
        using var fixture = new SpoolFixture();
        string id;
        byte[] content = SpoolFixture.Content(1, 200_000);
        await using (var spool = fixture.Open())
        {
            id = await fixture.AcknowledgeAsync(spool, content);
            await spool.MarkFinishedAsync(id, "delivered", [Delivered("b@example.com", T0)]);
            Assert.Equal(0, spool.Index.Count); // not in the queue any more
            var retained = Assert.Single(spool.Retained.All);
            Assert.Equal(id, retained.QueueId);
            Assert.Equal(T0, retained.DeliveredAt);
            Assert.Equal(content, await spool.ReadContentAsync(retained.Envelope, TestContext.Current.CancellationToken));
            // Truncation stops before it: it is needed, like a live message.
            await spool.TruncateAsync();
            Assert.True(spool.BeginAddress <= retained.Message.FirstAddress);
        }
        await using (var reopened = fixture.Open())
        {
            var retained = Assert.Single(reopened.Retained.All);
            Assert.Equal(id, retained.QueueId);
            Assert.Equal("127.0.0.1:2601", Assert.Single(retained.Deliveries).Destination);
            Assert.Equal(content, await reopened.ReadContentAsync(retained.Envelope, TestContext.Current.CancellationToken));
            Assert.Equal(0, reopened.Index.Count);
            Assert.Equal(content.Length, reopened.Retained.Bytes);
        }
    }

    [Fact]
    public async Task Handoffs_failures_and_a_node_with_the_safety_net_off_retain_nothing()
    {
        using var fixture = new SpoolFixture();
        await using (var spool = fixture.Open())
        {
            var handedOff = await fixture.AcknowledgeAsync(spool, SpoolFixture.Content(2, 1000));
            await spool.MarkFinishedAsync(handedOff, "delivered", [Delivered("b@example.com", T0, destination: null)]);
            var failed = await fixture.AcknowledgeAsync(spool, SpoolFixture.Content(3, 1000));
            await spool.MarkFinishedAsync(failed, "1 recipient(s) failed",
                [new RecipientOutcome("b@example.com", RecipientStatus.Failed, "5.1.1", "550 no such user", "mx", T0, "smtp:x:25", "smtp:x:25")]);
            Assert.Equal(0, spool.Retained.Count);
        }
        await using (var off = MessageSpool.Open(fixture.Directory, NullLogger.Instance, retained: new RetainedMessages { Enabled = false }))
        {
            var id = await fixture.AcknowledgeAsync(off, SpoolFixture.Content(4, 1000));
            await off.MarkFinishedAsync(id, "delivered", [Delivered("b@example.com", T0)]);
            Assert.Equal(0, off.Retained.Count);
        }
        await using var reopened = fixture.Open();
        Assert.Equal(0, reopened.Retained.Count);
    }

    [Fact]
    public async Task The_janitor_lets_go_after_the_hold_time_and_the_log_is_then_truncated_past_it()
    {
        using var fixture = new SpoolFixture();
        var time = new FakeTimeProvider(T0);
        string recent;
        await using (var spool = fixture.Open())
        {
            var old = await fixture.AcknowledgeAsync(spool, SpoolFixture.Content(5, 100_000));
            await spool.MarkFinishedAsync(old, "delivered", [Delivered("b@example.com", T0)]);
            var janitor = Janitor(spool.Retained, time, new SafetyNetOptions { HoldTime = TimeSpan.FromDays(2) });

            time.Advance(TimeSpan.FromDays(1));
            recent = await fixture.AcknowledgeAsync(spool, SpoolFixture.Content(6, 100_000));
            await spool.MarkFinishedAsync(recent, "delivered", [Delivered("c@example.com", time.GetUtcNow())]);
            var oldAddress = spool.Retained.All.Single(m => m.QueueId == old).Message.FirstAddress;

            time.Advance(TimeSpan.FromDays(1) - TimeSpan.FromSeconds(1));
            Assert.Equal((0, 0), janitor.Sweep()); // the first is 2 days less a second old
            time.Advance(TimeSpan.FromSeconds(2));
            Assert.Equal((1, 0), janitor.Sweep());
            Assert.Equal(recent, Assert.Single(spool.Retained.All).QueueId);

            await spool.TruncateAsync();
            Assert.True(spool.BeginAddress > oldAddress, "the released message's records were not truncated");
        }
        await using var reopened = fixture.Open();
        Assert.Equal(recent, Assert.Single(reopened.Retained.All).QueueId);
    }

    [Fact]
    public async Task Past_its_size_bound_the_oldest_in_the_log_go_first()
    {
        using var fixture = new SpoolFixture();
        var time = new FakeTimeProvider(T0);
        await using var spool = fixture.Open();
        var ids = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            var id = await fixture.AcknowledgeAsync(spool, SpoolFixture.Content(10 + i, 10_000));
            await spool.MarkFinishedAsync(id, "delivered", [Delivered("b@example.com", T0)]);
            ids.Add(id);
        }
        var newestTwo = spool.Retained.All.Where(m => ids[2..].Contains(m.QueueId)).Sum(m => m.Envelope.Length);
        var janitor = Janitor(spool.Retained, time, new SafetyNetOptions { MaxBytes = newestTwo });
        Assert.Equal((0, 2), janitor.Sweep());
        Assert.Equal(ids[2..], spool.Retained.All.Select(m => m.QueueId).Order(StringComparer.Ordinal));
        var byCount = Janitor(spool.Retained, time, new SafetyNetOptions { MaxMessages = 1 });
        Assert.Equal((0, 1), byCount.Sweep());
        Assert.Equal(ids[3], Assert.Single(spool.Retained.All).QueueId);
    }

    private static SafetyNetJanitor Janitor(RetainedMessages retained, TimeProvider time, SafetyNetOptions options)
    {
        var spoolOptions = Options.Create(new SpoolOptions { MinimumFreeBytes = 0 });
        return new SafetyNetJanitor(retained, new DiskSpaceGuard(spoolOptions, time), Options.Create(options), spoolOptions,
            new SafetyNetMetrics(new MetricsRegistry(), retained, time), time, NullLogger<SafetyNetJanitor>.Instance);
    }
}
