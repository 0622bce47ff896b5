using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using TransportGuard.Tests.Support;
using TransportGuard.Tracking;

namespace TransportGuard.Tests.Tracking;

/// <summary>The tracking log's writer on a virtual clock (docs/tracking.md): hourly files, the batching that keeps
/// a busy node to about one write a second, the hold time, and the bounded channel that drops rather than waits.</summary>
public sealed class TrackingLogTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Each_event_is_a_json_line_in_the_file_of_its_utc_hour_and_says_only_what_it_knows()
    {
        await using var fixture = new TrackingLogFixture();
        var log = fixture.Create();
        await log.StartAsync(Token);
        log.Record(new TrackingEvent { Event = TrackingEventKind.Receive, QueueId = "Q1", MessageId = "m1@example.org", Sender = "a@example.org",
            Recipients = ["b@example.com"], Client = "192.0.2.7", Helo = "client.example", Size = 312 });
        fixture.Time.Advance(TimeSpan.FromSeconds(2)); // 10:00:01, the next hour
        log.Record(new TrackingEvent { Event = TrackingEventKind.Deliver, QueueId = "Q1", Recipients = ["b@example.com"], Host = "mx.example.com[192.0.2.9]:25",
            Status = "2.0.0", Reply = "250 2.0.0 <queued> as X" });
        await log.StopAsync(Token);

        var first = JsonDocument.Parse(Assert.Single(fixture.Lines("tracking-2026113009.log"))).RootElement;
        Assert.Equal("2026-11-30T09:59:59+00:00", first.GetProperty("at").GetString());
        Assert.Equal("Receive", first.GetProperty("event").GetString());
        Assert.Equal("192.0.2.7", first.GetProperty("client").GetString());
        Assert.Equal(312, first.GetProperty("size").GetInt64());
        Assert.False(first.TryGetProperty("peer", out _)); // nulls are left out
        var second = Assert.Single(fixture.Lines("tracking-2026113010.log"));
        Assert.Contains("\"reply\":\"250 2.0.0 <queued> as X\"", second, StringComparison.Ordinal); // greppable: no \u003C
        Assert.Equal(2, await fixture.MetricAsync("transportguard_tracking_events_total"));
        Assert.Equal(fixture.Directory.Files().Sum(f => new FileInfo(f.Path).Length), await fixture.MetricAsync("transportguard_tracking_bytes"));
    }

    [Fact]
    public async Task An_idle_log_writes_at_once_and_a_busy_one_gathers_a_second_of_events_into_one_write()
    {
        await using var fixture = new TrackingLogFixture();
        var log = fixture.Create();
        await log.StartAsync(Token);
        var file = Path.Combine(fixture.Directory.Root, "tracking-2026113009.log");
        log.Record(Event("Q1"));
        await Eventually.UntilAsync(() => File.Exists(file) && File.ReadAllLines(file).Length == 1, TimeSpan.FromSeconds(10), () => "the first event was not written");

        log.Record(Event("Q2"));
        log.Record(Event("Q3"));
        await Task.Delay(200, Token);
        Assert.Single(File.ReadAllLines(file)); // waiting for the clock's second
        fixture.Time.Advance(TrackingLog.FlushInterval);
        await Eventually.UntilAsync(() => File.ReadAllLines(file).Length == 3, TimeSpan.FromSeconds(10), () => "the next second's events were not written");
    }

    [Fact]
    public async Task A_restart_appends_to_its_hours_file()
    {
        await using var fixture = new TrackingLogFixture();
        await fixture.WriteAsync(Event("Q1"));
        await fixture.WriteAsync(Event("Q2"));
        Assert.Equal(["Q1", "Q2"], fixture.Lines("tracking-2026113009.log").Select(l => JsonDocument.Parse(l).RootElement.GetProperty("queueId").GetString()));
    }

    [Fact]
    public async Task Files_whose_hour_ended_more_than_the_hold_time_ago_are_deleted_at_start_and_by_the_sweep()
    {
        await using var fixture = new TrackingLogFixture(new TrackingOptions { HoldTime = TimeSpan.FromDays(2) });
        Directory.CreateDirectory(fixture.Directory.Root);
        // Now is 2026-11-30 09:59:59: the 2026-11-28 08:00 hour ended more than two days ago, the 09:00 one did not.
        foreach (var name in new[] { "tracking-2026112700.log", "tracking-2026112808.log", "tracking-2026112809.log", "tracking-2026112910.log", "notes.txt" })
            await File.WriteAllTextAsync(Path.Combine(fixture.Directory.Root, name), "{}\n", Token);

        var log = fixture.Create();
        await log.StartAsync(Token);
        Assert.Equal(["notes.txt", "tracking-2026112809.log", "tracking-2026112910.log"], Names(fixture));

        fixture.Time.Advance(TimeSpan.FromHours(1) + TrackingLog.SweepInterval);
        Assert.Equal(["notes.txt", "tracking-2026112910.log"], Names(fixture));
        fixture.Time.Advance(TimeSpan.FromDays(1));
        Assert.Equal(["notes.txt"], Names(fixture));
        Assert.Contains(fixture.Logger.Events, e => e.Id == 9501);
    }

    [Fact]
    public async Task When_the_writer_is_behind_events_are_dropped_counted_and_warned_of_once_a_minute()
    {
        await using var fixture = new TrackingLogFixture(new TrackingOptions { QueueCapacity = 3 });
        var log = fixture.Create(); // not started: nothing drains the channel
        for (var i = 0; i < 5; i++)
            log.Record(Event($"Q{i}")); // never blocks
        Assert.Equal(2, await fixture.MetricAsync("transportguard_tracking_dropped_total"));
        Assert.Single(fixture.Logger.Events, e => e.Id == 9500);

        fixture.Time.Advance(TimeSpan.FromSeconds(30));
        log.Record(Event("Q5"));
        Assert.Single(fixture.Logger.Events, e => e.Id == 9500);
        fixture.Time.Advance(TimeSpan.FromSeconds(31));
        log.Record(Event("Q6"));
        Assert.Equal(4, await fixture.MetricAsync("transportguard_tracking_dropped_total"));
        var warnings = fixture.Logger.Events.Where(e => e.Id == 9500).ToList();
        Assert.Equal(2, warnings.Count);
        Assert.Contains("(4 so far)", warnings[1].Message, StringComparison.Ordinal);

        await log.StartAsync(Token);
        await log.StopAsync(Token);
        Assert.Equal(["Q0", "Q1", "Q2"], fixture.Lines("tracking-2026113009.log").Select(l => JsonDocument.Parse(l).RootElement.GetProperty("queueId").GetString()));
        Assert.Equal(3, await fixture.MetricAsync("transportguard_tracking_events_total"));
    }

    [Fact]
    public void The_options_are_validated()
    {
        Assert.Empty(new TrackingOptions().Validate());
        Assert.Equal(["Tracking:HoldTime must be a positive time span (got 00:00:00)", "Tracking:QueueCapacity must be between 1 and 10000000 (got 0)"],
            new TrackingOptions { HoldTime = TimeSpan.Zero, QueueCapacity = 0 }.Validate());
    }

    [Fact]
    public void Off_the_stages_record_into_nothing_and_on_into_the_log()
    {
        var data = TempDirectory.Create("tracking-off");
        try
        {
            using var off = GatewayHost.Build(["--data", data, "--Tracking:Enabled", "false"]);
            Assert.IsType<NoMessageTracker>(off.Services.GetRequiredService<IMessageTracker>());
            using var on = GatewayHost.Build(["--data", data]);
            Assert.IsType<TrackingLog>(on.Services.GetRequiredService<IMessageTracker>());
            Assert.Equal(Path.Combine(data, "tracking"), on.Services.GetRequiredService<TrackingDirectory>().Root);
        }
        finally
        {
            TempDirectory.Delete(data);
        }
    }

    private static TrackingEvent Event(string queueId) => new() { Event = TrackingEventKind.Receive, QueueId = queueId };

    private static string[] Names(TrackingLogFixture fixture) =>
        [.. Directory.EnumerateFiles(fixture.Directory.Root).Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal)];
}
