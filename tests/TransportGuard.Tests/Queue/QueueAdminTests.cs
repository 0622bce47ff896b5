using Microsoft.Extensions.DependencyInjection;
using MimeKit;
using TransportGuard.Queue;
using TransportGuard.Tests.Support;

namespace TransportGuard.Tests.Queue;

/// <summary>The operator's queue actions (postsuper -h/-H/-d, postqueue -i, Remove-Message -WithNDR) on a live gateway.</summary>
public sealed class QueueAdminTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Hold_release_retry_and_delete_act_on_deferred_messages()
    {
        var accept = false;
        await using var hop = ScriptedNextHop.Start(new NextHopScript { DataReply = _ => Volatile.Read(ref accept) ? null : "451 4.3.0 later" });
        var mailbox = TempDirectory.Create("admin");
        await using var gateway = await Relay.StartAsync(hop.Address, ("Queue:RetryInitialDelay", "01:00:00"), ("Queue:RetryMaxDelay", "01:00:00"),
            ("Delivery:Routes:example.org", "maildir:" + mailbox));
        var queue = gateway.Services.GetRequiredService<QueueAdmin>();
        var ids = new List<string>();
        foreach (var name in new[] { "held", "retried", "deleted", "bounced" })
            ids.Add(await Relay.SendAsync(gateway, "sender@example.org", [$"{name}@example.com"], Relay.Body(name)));
        await UntilAsync(() => queue.List(QueueItemState.Deferred).Count == 4);

        Assert.True(await queue.HoldAsync(ids[0]));
        Assert.Equal(ids[0], Assert.Single(queue.List(QueueItemState.Held)).QueueId);

        Assert.True(await queue.RetryNowAsync(ids[1]));
        await UntilAsync(() => queue.List().Single(i => i.QueueId == ids[1]) is { Attempts: 2, State: QueueItemState.Deferred });

        Assert.True(await queue.DeleteAsync(ids[2], bounce: false));
        Assert.True(await queue.DeleteAsync(ids[3], bounce: true));
        await UntilAsync(() => Directory.Exists(Path.Combine(mailbox, "new")) && Directory.GetFiles(Path.Combine(mailbox, "new")).Length == 1);
        await UntilAsync(() => queue.List().Count == 2); // the report itself has left the queue
        Assert.Equal([ids[0], ids[1]], queue.List().Select(i => i.QueueId).Order());
        var report = await MimeMessage.LoadAsync(Assert.Single(Directory.GetFiles(Path.Combine(mailbox, "new"))), TestContext.Current.CancellationToken);
        var status = Assert.Single(Assert.IsType<MultipartReport>(report.Body).OfType<MessageDeliveryStatus>());
        Assert.Equal("rfc822; bounced@example.com", status.StatusGroups[1]["Final-Recipient"]);
        Assert.Equal("5.0.0", status.StatusGroups[1]["Status"]);

        Volatile.Write(ref accept, true);
        Assert.True(await queue.RetryNowAsync(ids[0])); // still held: retry does not release
        Assert.True(await queue.ReleaseAsync(ids[0]));
        Assert.True(await queue.RetryNowAsync(ids[1]));
        await Relay.DrainedAsync(gateway, Wait);
        Assert.Equal(["held@example.com", "retried@example.com"], hop.Messages.SelectMany(m => m.Recipients).Order());
        Assert.False(await queue.HoldAsync(ids[0])); // gone
        TempDirectory.Delete(mailbox);
    }

    private static Task UntilAsync(Func<bool> condition) => Eventually.UntilAsync(condition, Wait, () => "condition not reached");
}
