using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using MimeKit;
using TransportGuard.Queue;
using TransportGuard.Tests.Support;

namespace TransportGuard.Tests.Delivery;

/// <summary>Retry and expiry on a virtual clock (docs/architecture.md, Conventions 6): the whole gateway runs on a FakeTimeProvider.</summary>
public sealed class ExpiryTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task A_message_deferred_for_its_whole_queue_lifetime_is_retried_on_schedule_then_returned_as_expired()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var hop = ScriptedNextHop.Start(new NextHopScript { DataReply = _ => "451 4.3.0 mailbox busy" });
        var mailbox = TempDirectory.Create("expired");
        await using var gateway = await Relay.StartAsync(time, hop.Address,
            ("Queue:MaxQueueLifetime", "01:00:00"), ("Queue:RetryInitialDelay", "00:10:00"), ("Queue:RetryMaxDelay", "00:20:00"),
            ("Delivery:Routes:example.org", "maildir:" + mailbox));
        var queue = gateway.Services.GetRequiredService<QueueAdmin>();
        var id = await Relay.SendAsync(gateway, "sender@example.org", ["b@example.com"], Relay.Body("expiring"));

        // Backoff doubles from 10 minutes, capped at 20: attempts at 0, 10, 30 and 50 minutes, then expiry at 60.
        await DeferredAsync(queue, id, attempts: 1);
        Assert.Equal(time.GetUtcNow().AddMinutes(10), Assert.Single(queue.List()).NextAttemptAt);
        foreach (var (minutes, attempts) in new[] { (10, 2), (20, 3), (20, 4) })
        {
            time.Advance(TimeSpan.FromMinutes(minutes) - TimeSpan.FromSeconds(1));
            await Task.Delay(200, TestContext.Current.CancellationToken);
            Assert.Equal(attempts - 1, Assert.Single(queue.List()).Attempts); // not a moment early
            time.Advance(TimeSpan.FromSeconds(1));
            await DeferredAsync(queue, id, attempts);
        }
        Assert.Equal(time.GetUtcNow().AddMinutes(10), Assert.Single(queue.List()).NextAttemptAt); // capped at the expiry
        time.Advance(TimeSpan.FromMinutes(10));

        await Relay.DrainedAsync(gateway, Wait);
        Assert.Equal(4, hop.Transcript.Count(l => l == "DATA"));
        Assert.Empty(hop.Messages);
        var report = await MimeMessage.LoadAsync(Assert.Single(Directory.GetFiles(Path.Combine(mailbox, "new"))), TestContext.Current.CancellationToken);
        var status = Assert.Single(Assert.IsType<MultipartReport>(report.Body).OfType<MessageDeliveryStatus>());
        Assert.Equal("4.4.7", status.StatusGroups[1]["Status"]);
        Assert.Contains("451 4.3.0 mailbox busy", status.StatusGroups[1]["Diagnostic-Code"], StringComparison.Ordinal);
        TempDirectory.Delete(mailbox);
    }

    private static async Task DeferredAsync(QueueAdmin queue, string id, int attempts)
    {
        await Eventually.UntilAsync(() => queue.List().SingleOrDefault(i => i.QueueId == id) is { State: QueueItemState.Deferred } item && item.Attempts >= attempts,
            Wait, () => $"attempt {attempts} did not happen", 10);
    }
}
