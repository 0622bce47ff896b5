using TransportGuard.Tracking;

namespace TransportGuard.Tests.Tracking;

/// <summary>Queries of the tracking log (docs/tracking.md, Queries): the filters, the window, the links between
/// queue ids, the limit, and lines a crash cut short.</summary>
public sealed class TrackingReaderTests
{
    private static readonly DateTimeOffset Ten = new(2026, 11, 30, 10, 0, 0, TimeSpan.Zero);

    /// <summary>A message relayed to hub1 (which took it with XSHADOW, as H1) and taken over as Q2 when hub1 died;
    /// another that failed and was reported by Q4.</summary>
    private static readonly TrackingEvent[] Story =
    [
        At(0, TrackingEventKind.Receive, "Q1", "m1@example.org", "alice@example.org", "bob@example.com") with { Client = "192.0.2.7" },
        At(1, TrackingEventKind.Deliver, "Q1", "m1@example.org", "alice@example.org", "bob@example.com") with { Peer = "hub1", PeerQueueId = "H1" },
        At(1, TrackingEventKind.Shadow, "Q1", "m1@example.org", "alice@example.org", "bob@example.com") with { Peer = "hub1", PeerQueueId = "H1" },
        At(5, TrackingEventKind.TakeOver, "Q2", "m1@example.org", "alice@example.org", "bob@example.com") with { RelatedQueueId = "Q1", Peer = "hub1", PeerQueueId = "H1" },
        At(5, TrackingEventKind.Finish, "Q1", "m1@example.org", "alice@example.org", "bob@example.com"),
        At(6, TrackingEventKind.Deliver, "Q2", "m1@example.org", "alice@example.org", "bob@example.com"),
        At(90, TrackingEventKind.Receive, "Q3", "m2@example.org", "carol@example.org", "dave@example.com", "Erin@Example.com"),
        At(91, TrackingEventKind.Fail, "Q3", "m2@example.org", "carol@example.org", "dave@example.com"),
        At(91, TrackingEventKind.Bounce, "Q3", "m2@example.org", "carol@example.org", "dave@example.com") with { RelatedQueueId = "Q4" },
        At(92, TrackingEventKind.Deliver, "Q4", null, "", "carol@example.org"),
    ];

    [Fact]
    public async Task A_message_id_finds_every_step_of_the_message_oldest_first_with_or_without_brackets()
    {
        await using var fixture = await WrittenAsync();
        var result = await fixture.Reader().ReadAsync(new TrackingQuery(MessageId: "<m1@example.org>"), TestContext.Current.CancellationToken);
        Assert.Equal(["Receive Q1", "Deliver Q1", "Shadow Q1", "TakeOver Q2", "Finish Q1", "Deliver Q2"], Steps(result));
        Assert.False(result.Truncated);
    }

    [Theory]
    [InlineData("Q1")] // the original: its takeover copy comes with it
    [InlineData("Q2")] // the copy: the original comes with it, from its receipt on
    [InlineData("H1")] // the primary's id for it: the message of ours it took
    public async Task A_queue_id_finds_the_queue_ids_linked_to_it(string queueId)
    {
        await using var fixture = await WrittenAsync();
        var result = await fixture.Reader().ReadAsync(new TrackingQuery(QueueId: queueId), TestContext.Current.CancellationToken);
        Assert.Equal(["Receive Q1", "Deliver Q1", "Shadow Q1", "TakeOver Q2", "Finish Q1", "Deliver Q2"], Steps(result));
    }

    [Fact]
    public async Task A_bounced_message_brings_its_report_and_sender_and_recipient_match_whole_addresses_in_any_case()
    {
        await using var fixture = await WrittenAsync();
        var reader = fixture.Reader();
        Assert.Equal(["Receive Q3", "Fail Q3", "Bounce Q3", "Deliver Q4"], Steps(await reader.ReadAsync(new TrackingQuery(QueueId: "Q3"), TestContext.Current.CancellationToken)));
        Assert.Equal(["Receive Q3", "Fail Q3", "Bounce Q3"], Steps(await reader.ReadAsync(new TrackingQuery(Sender: "CAROL@example.org"), TestContext.Current.CancellationToken)));
        Assert.Equal(["Receive Q3"], Steps(await reader.ReadAsync(new TrackingQuery(Recipient: "erin@example.com"), TestContext.Current.CancellationToken)));
        Assert.Empty(Steps(await reader.ReadAsync(new TrackingQuery(Recipient: "erin@example"), TestContext.Current.CancellationToken)));
        Assert.Equal(["Deliver Q4"], Steps(await reader.ReadAsync(new TrackingQuery(Recipient: "carol@example.org", Sender: ""), TestContext.Current.CancellationToken)));
    }

    [Fact]
    public async Task The_window_bounds_the_events_and_only_its_hours_files_are_read()
    {
        await using var fixture = await WrittenAsync();
        var reader = fixture.Reader();
        var window = new TrackingQuery(MessageId: "m1@example.org", Start: Ten.AddMinutes(2), End: Ten.AddMinutes(5));
        Assert.Equal(["TakeOver Q2", "Finish Q1"], Steps(await reader.ReadAsync(window, TestContext.Current.CancellationToken)));

        // An event of 10:03 in a file named for 05:00 is outside the window's files, so it is never seen.
        await File.WriteAllTextAsync(Path.Combine(fixture.Directory.Root, "tracking-2026113005.log"),
            """{"at":"2026-11-30T10:03:00+00:00","event":"Defer","queueId":"Q9","messageId":"m1@example.org"}""" + "\n", TestContext.Current.CancellationToken);
        Assert.Equal(["TakeOver Q2", "Finish Q1"], Steps(await reader.ReadAsync(window, TestContext.Current.CancellationToken)));

        // By default the window is the hold time up to now.
        fixture.Time.SetUtcNow(Ten.AddDays(2).AddMinutes(3));
        Assert.Equal(["TakeOver Q2", "Finish Q1", "Deliver Q2"], Steps(await reader.ReadAsync(new TrackingQuery(MessageId: "m1@example.org"), TestContext.Current.CancellationToken)));
    }

    [Fact]
    public async Task The_limit_bounds_a_broad_query_to_its_oldest_events_and_says_so()
    {
        await using var fixture = await WrittenAsync();
        var result = await fixture.Reader().ReadAsync(new TrackingQuery(Sender: "alice@example.org", Limit: 4), TestContext.Current.CancellationToken);
        Assert.Equal(["Receive Q1", "Deliver Q1", "Shadow Q1", "TakeOver Q2"], Steps(result));
        Assert.True(result.Truncated);
    }

    [Fact]
    public async Task A_line_a_crash_cut_short_is_skipped()
    {
        await using var fixture = await WrittenAsync();
        await File.AppendAllTextAsync(Path.Combine(fixture.Directory.Root, "tracking-2026113010.log"), """{"at":"2026-11-30T10:07:00+00:00","event":"Deli""", TestContext.Current.CancellationToken);
        var result = await fixture.Reader().ReadAsync(new TrackingQuery(QueueId: "Q2"), TestContext.Current.CancellationToken);
        Assert.Equal(6, result.Events.Count);
    }

    [Fact]
    public void A_query_needs_a_filter_and_a_message_id_is_taken_without_its_brackets()
    {
        Assert.False(new TrackingQuery(Start: Ten).HasFilter);
        Assert.True(new TrackingQuery(Recipient: "b@example.com").HasFilter);
        Assert.Equal("m1@example.org", TrackingQuery.MessageIdOf(" <m1@example.org> "));
        Assert.Null(TrackingQuery.MessageIdOf(" "));
    }

    [Fact]
    public void A_resubmit_is_tracked_with_its_request_and_the_message_it_copies()
    {
        var resubmit = TrackingEvent.Resubmitted("Q7", "Q1", "req-1", "alice@example.org", ["bob@example.com"], "m1@example.org");
        Assert.Equal((TrackingEventKind.Resubmit, "Q7", "Q1", "req-1"), (resubmit.Event, resubmit.QueueId, resubmit.RelatedQueueId, resubmit.RequestId));
    }

    private static async Task<TrackingLogFixture> WrittenAsync()
    {
        var fixture = new TrackingLogFixture();
        fixture.Time.SetUtcNow(Ten.AddHours(2));
        await fixture.WriteAsync(Story);
        return fixture;
    }

    private static TrackingEvent At(int minutes, TrackingEventKind kind, string queueId, string? messageId, string sender, params string[] recipients) =>
        new() { At = Ten.AddMinutes(minutes), Event = kind, QueueId = queueId, MessageId = messageId, Sender = sender, Recipients = recipients };

    private static string[] Steps(TrackingResult result) => [.. result.Events.Select(e => $"{e.Event} {e.QueueId}")];
}
