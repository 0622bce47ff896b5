using TransportGuard.Spool;

namespace TransportGuard.Tests.Spool;

/// <summary>Space: finished records are truncated away, and an old live message at the head is copied forward.</summary>
public sealed class SpoolCompactionTests
{
    [Fact]
    public async Task An_old_live_message_is_copied_forward_so_the_head_can_be_truncated()
    {
        using var fixture = new SpoolFixture();
        string old;
        var oldContent = SpoolFixture.Content(1, 300_000);
        long oldAddress, begin;
        await using (var spool = fixture.Open())
        {
            old = await fixture.AcknowledgeAsync(spool, oldContent);
            Assert.True(spool.Index.TryGet(old, out var first));
            oldAddress = first.FirstAddress;
            for (var i = 0; i < 10; i++)
                await spool.MarkFinishedAsync(await fixture.AcknowledgeAsync(spool, SpoolFixture.Content(10 + i, 300_000)), "delivered");

            // The old message pins the head: truncation alone frees nothing.
            Assert.Equal(spool.BeginAddress, await spool.TruncateAsync());

            var (copied, freed) = await SpoolMaintenance.RunOnceAsync(spool, compactionThresholdBytes: 1024 * 1024, TestContext.Current.CancellationToken);
            Assert.Equal(1, copied);
            Assert.True(freed > 0);
            begin = spool.BeginAddress;
            Assert.True(begin > oldAddress, "the head the old message pinned was truncated");
        }
        await using var reopened = fixture.Open();
        Assert.Equal(begin, reopened.BeginAddress);
        Assert.Equal([old], reopened.Index.Messages.Select(m => m.Envelope.QueueId));
        Assert.True(reopened.Index.TryGet(old, out var copy));
        Assert.Equal(oldContent, await reopened.ReadContentAsync(copy.Envelope, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task A_message_finished_while_it_was_being_copied_stays_finished_after_recovery()
    {
        using var fixture = new SpoolFixture();
        await using (var spool = fixture.Open())
        {
            var id = await fixture.AcknowledgeAsync(spool, SpoolFixture.Content(1, 1000));
            Assert.True(spool.Index.TryGet(id, out var message));
            await spool.MarkFinishedAsync(id, "delivered");
            // The copy's envelope lands after the Finished record, as when compaction loses the race.
            await spool.CommitMessageAsync(message.Envelope);
        }
        await using var reopened = fixture.Open();
        Assert.Equal(0, reopened.Index.Count);
    }
}
