using System.Collections.Immutable;
using FsCheck;
using FsCheck.Fluent;
using TransportGuard.Spool;

namespace TransportGuard.Tests.Spool;

/// <summary>Queue progress is spool state like any other: durable, recovered, and kept through compaction.</summary>
public sealed class SpoolProgressTests
{
    private static RecipientOutcome Outcome(string recipient, RecipientStatus status) =>
        new(recipient, status, status == RecipientStatus.Delivered ? "2.0.0" : "5.1.1", "said so", "mx.example.com", DateTimeOffset.UnixEpoch);

    [Fact]
    public async Task Outcomes_schedule_and_hold_survive_a_reopen_and_a_compaction_that_moves_the_message()
    {
        using var fixture = new SpoolFixture();
        var next = DateTimeOffset.UtcNow.AddMinutes(5);
        string id;
        await using (var spool = fixture.Open())
        {
            id = await fixture.AcknowledgeAsync(spool, SpoolFixture.Content(1, 10_000));
            await spool.RecordProgressAsync(id, p => p.WithOutcomes([Outcome("b@example.com", RecipientStatus.Failed)]) with { Attempts = 1, NextAttemptAt = next }, "deferred");
            await spool.RecordProgressAsync(id, p => p with { Held = true }, "held");
            Assert.Equal(1, await spool.CompactAsync(spool.TailAddress, TestContext.Current.CancellationToken));
            await spool.TruncateAsync(); // the original envelope and progress records are gone now
        }
        await using (var reopened = fixture.Open())
        {
            var progress = reopened.Index.Progress(id);
            Assert.True(progress.Held);
            Assert.Equal(1, progress.Attempts);
            Assert.Equal(next, progress.NextAttemptAt);
            Assert.Equal(RecipientStatus.Failed, progress.Outcomes["b@example.com"].Status);
            Assert.Equal("5.1.1", progress.Outcomes["b@example.com"].StatusCode);
            Assert.True(reopened.Index.TryGet(id, out _));
        }
    }

    [Fact]
    public async Task A_report_envelope_marks_the_recipients_it_covers_as_reported_even_before_the_original_is_finished()
    {
        using var fixture = new SpoolFixture();
        string id;
        await using (var spool = fixture.Open())
        {
            id = await fixture.AcknowledgeAsync(spool, SpoolFixture.Content(2, 500));
            await spool.RecordProgressAsync(id, p => p.WithOutcomes([Outcome("b@example.com", RecipientStatus.Failed)]), "failed");
            var report = new SpooledEnvelope("0000000000REPRT", "", [new SpooledRecipient("a@example.org", "")], "", "127.0.0.1", "me", false,
                DateTimeOffset.UtcNow, [], 0, "", new BounceOf(id, ["b@example.com"]));
            await spool.StoreAsync(report, "Subject: report\r\n\r\n"u8.ToArray(), CancellationToken.None);
            // killed here: before the "reported" record and before the original is finished
        }
        await using var reopened = fixture.Open();
        Assert.Empty(reopened.Index.Progress(id).Unreported);
        Assert.Equal(2, reopened.Index.Count);
    }

    [Fact]
    public async Task Progress_of_a_finished_message_is_not_resurrected()
    {
        using var fixture = new SpoolFixture();
        string id;
        await using (var spool = fixture.Open())
        {
            id = await fixture.AcknowledgeAsync(spool, SpoolFixture.Content(3, 500));
            await spool.RecordProgressAsync(id, p => p with { Attempts = 3 }, "deferred");
            await spool.MarkFinishedAsync(id, "delivered");
            Assert.Null(await spool.RecordProgressAsync(id, p => p with { Held = true }, "too late"));
        }
        await using var reopened = fixture.Open();
        Assert.Equal(0, reopened.Index.Count);
        Assert.Equal(MessageProgress.Initial, reopened.Index.Progress(id));
    }

    /// <summary>Recovery may meet progress copies in any order (a compaction snapshot after a newer change): the
    /// merge must give the same answer for every order.</summary>
    [FsCheck.Xunit.Property(MaxTest = 200)]
    public bool Merging_progress_records_in_any_order_gives_the_same_result(int seed)
    {
        var random = new Random(seed);
        var records = Enumerable.Range(1, random.Next(1, 8)).Select(revision => MessageProgress.Initial.WithOutcomes(
                Enumerable.Range(0, random.Next(0, 3)).Select(_ => Outcome($"r{random.Next(5)}@x", RecipientStatus.Delivered))) with
            {
                Revision = revision,
                Attempts = random.Next(10),
                Held = random.Next(2) == 0,
                Reported = ImmutableHashSet.Create(StringComparer.OrdinalIgnoreCase, $"r{random.Next(5)}@x"),
            })
            .ToList();
        var inOrder = records.Aggregate(MessageProgress.Initial, (a, b) => a.Merge(b));
        var shuffled = records.OrderBy(_ => random.Next()).Aggregate(MessageProgress.Initial, (a, b) => a.Merge(b));
        return inOrder.Revision == shuffled.Revision && inOrder.Attempts == shuffled.Attempts && inOrder.Held == shuffled.Held
            && inOrder.Outcomes.Keys.ToHashSet().SetEquals(shuffled.Outcomes.Keys) && inOrder.Reported.SetEquals(shuffled.Reported)
            && inOrder.Revision == records.Count && inOrder.Attempts == records[^1].Attempts;
    }
}
