using TransportGuard.Spool;

namespace TransportGuard.Tests.Spool;

/// <summary>
/// Durability as a story (after Garnet's torn-tail tests): acknowledge, crash without cleanup, damage the tail,
/// recover, check every acknowledged message byte for byte, write more, recover again.
/// </summary>
public sealed class SpoolDurabilityTests
{
    [Fact]
    public async Task Acknowledged_messages_survive_reopening_byte_for_byte_and_the_spool_takes_more()
    {
        using var fixture = new SpoolFixture();
        var expected = new Dictionary<string, byte[]>();
        await using (var spool = fixture.Open())
        {
            for (var i = 0; i < 40; i++)
            {
                var content = SpoolFixture.Content(i, 500 + (i * 7919 % 200_000));
                expected[await fixture.AcknowledgeAsync(spool, content, chunkSize: 16 * 1024)] = content;
            }
        }
        for (var round = 0; round < 3; round++)
        {
            await using var spool = fixture.Open();
            Assert.Equal(expected.Count, spool.Index.Count);
            foreach (var message in spool.Index.Messages)
                Assert.Equal(expected[message.Envelope.QueueId], await spool.ReadContentAsync(message.Envelope, TestContext.Current.CancellationToken));
            var more = SpoolFixture.Content(1000 + round, 3000);
            expected[await fixture.AcknowledgeAsync(spool, more)] = more;
        }
    }

    [Fact]
    public async Task Records_after_the_last_commit_are_dropped_at_recovery()
    {
        using var fixture = new SpoolFixture();
        string acknowledged;
        await using (var spool = fixture.Open())
        {
            acknowledged = await fixture.AcknowledgeAsync(spool, SpoolFixture.Content(1, 5000));
            // A message whose content went in but whose envelope was never committed: the client never got 250.
            var orphan = new List<long>();
            await spool.AppendContentAsync("00000000000000Z", SpoolFixture.Content(2, 5000), orphan, CancellationToken.None);
        }
        await using var reopened = fixture.Open();
        Assert.Equal([acknowledged], reopened.Index.Messages.Select(m => m.Envelope.QueueId));
    }

    [Fact]
    public async Task A_torn_tail_past_the_last_commit_loses_nothing_acknowledged()
    {
        using var fixture = new SpoolFixture();
        var acknowledged = new List<string>();
        long committed;
        await using (var spool = fixture.Open())
        {
            for (var i = 0; i < 20; i++)
                acknowledged.Add(await fixture.AcknowledgeAsync(spool, SpoolFixture.Content(i, 4000)));
            committed = spool.TailAddress;
            var unacknowledged = new List<long>();
            await spool.AppendContentAsync("00000000000000Z", SpoolFixture.Content(99, 200_000), unacknowledged, CancellationToken.None);
        }
        // Tear the file anywhere past the committed end, as a crash mid-write would.
        var length = new FileInfo(fixture.LogFile).Length;
        var tear = committed + Random.Shared.NextInt64(0, Math.Max(1, length - committed));
        using (var file = new FileStream(fixture.LogFile, FileMode.Open))
            file.SetLength(Math.Min(tear, length));

        await using var reopened = fixture.Open();
        Assert.Equal(acknowledged, reopened.Index.Messages.Select(m => m.Envelope.QueueId));
        foreach (var message in reopened.Index.Messages)
            await reopened.ReadContentAsync(message.Envelope, TestContext.Current.CancellationToken);
        await fixture.AcknowledgeAsync(reopened, SpoolFixture.Content(7, 100));
    }

    [Fact]
    public async Task A_flipped_byte_in_a_message_is_detected_and_never_read_back_as_good()
    {
        using var fixture = new SpoolFixture();
        string damaged, intact;
        long chunkAddress;
        await using (var spool = fixture.Open())
        {
            damaged = await fixture.AcknowledgeAsync(spool, SpoolFixture.Content(1, 3000));
            intact = await fixture.AcknowledgeAsync(spool, SpoolFixture.Content(2, 3000));
            Assert.True(spool.Index.TryGet(damaged, out var message));
            chunkAddress = message.Envelope.Chunks[0];
        }
        fixture.FlipContentByte(chunkAddress, 60, SpoolFixture.Content(1, 3000)[60]);

        await using var reopened = fixture.Open();
        Assert.True(reopened.Index.TryGet(intact, out var good));
        Assert.Equal(SpoolFixture.Content(2, 3000), await reopened.ReadContentAsync(good.Envelope, TestContext.Current.CancellationToken));
        Assert.True(reopened.Index.TryGet(damaged, out var bad));
        await Assert.ThrowsAnyAsync<Exception>(() => reopened.ReadContentAsync(bad.Envelope, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Truncation_never_takes_records_of_a_live_message_or_one_still_being_received()
    {
        using var fixture = new SpoolFixture();
        await using var spool = fixture.Open();
        var finished = await fixture.AcknowledgeAsync(spool, SpoolFixture.Content(1, 300_000));
        // A message in the middle of its DATA: content appended, envelope not yet written.
        var receiving = new List<long>();
        await spool.AppendContentAsync("0000000000000RX", SpoolFixture.Content(3, 100_000), receiving, CancellationToken.None);
        var kept = await fixture.AcknowledgeAsync(spool, SpoolFixture.Content(2, 300_000));
        await spool.MarkFinishedAsync(finished, "delivered");

        Assert.True(spool.Index.TryGet(kept, out var live));
        var begin = await spool.TruncateAsync();
        Assert.True(begin > 64, "the finished message's records were freed");
        Assert.True(begin <= receiving[0], "the message being received keeps its records");
        Assert.True(receiving[0] < live.FirstAddress);
        Assert.Equal(SpoolFixture.Content(2, 300_000), await spool.ReadContentAsync(live.Envelope, TestContext.Current.CancellationToken));
    }
}
