using TransportGuard.Delivery.Clusters;
using TransportGuard.Delivery.Routing;
using TransportGuard.Tests.Support;

namespace TransportGuard.Tests.Delivery.Clusters;

/// <summary>
/// The failover rule on a virtual clock (docs/architecture.md, Conventions 6; docs/safetynet.md, Mailbox clusters),
/// with the defaults: a check every 2 s, a move after 3 failures of the active server in a row, a hold-down of 60 s
/// for a server that failed and came back.
/// </summary>
public sealed class MailboxClusterMonitorTests
{
    private const string Spec = "cluster:127.0.0.1:2601,127.0.0.1:2602;replay=10m";
    private const string ThreeServers = "cluster:127.0.0.1:2601,127.0.0.1:2602,127.0.0.1:2603";
    private static readonly HostPort A = new("127.0.0.1", 2601), B = new("127.0.0.1", 2602), C = new("127.0.0.1", 2603);

    [Fact]
    public async Task The_route_moves_after_exactly_three_failed_checks_and_the_event_carries_the_last_good_contact()
    {
        await using var cluster = await ClusterMonitorHarness.StartAsync(Spec);
        var lastGood = cluster.Time.GetUtcNow(); // the first round, at the start, passed
        Assert.Equal(A, cluster.Active);

        await cluster.FailAsync(A, 2);
        Assert.Equal(A, cluster.Active);
        Assert.Empty(cluster.Failovers);
        Assert.Equal(2, cluster.Cluster.Snapshot().Servers[0].ConsecutiveFailures);

        await cluster.TickAsync();
        Assert.Equal(B, cluster.Active);
        var failover = Assert.Single(cluster.Failovers);
        Assert.Equal(new ClusterFailover(Spec, A, B, lastGood, TimeSpan.FromMinutes(10), lastGood.AddSeconds(6)), failover);
        Assert.Equal(lastGood.AddMinutes(-10), failover.WindowStart);
        Assert.Equal(1, cluster.Logger.Count(3202));

        var snapshot = Assert.Single(cluster.Clusters.Snapshot());
        Assert.Equal((Spec, "example.net", B, 1, failover), (snapshot.Route, snapshot.Name, snapshot.Active, snapshot.Failovers, snapshot.LastFailover));
        Assert.Equal([false, true], snapshot.Servers.Select(s => s.Active));
        Assert.Equal([false, true], snapshot.Servers.Select(s => s.Healthy == true));
        Assert.Contains("Connection refused", snapshot.Servers[0].LastError, StringComparison.Ordinal);

        var metrics = await cluster.ScrapeAsync();
        Assert.Equal(1, MetricsText.Value(metrics, "transportguard_route_failovers_total{route=\"example.net\"}"));
        Assert.Equal(3, MetricsText.Value(metrics, "transportguard_route_health_check_failures_total{route=\"example.net\",server=\"127.0.0.1:2601\"}"));
        Assert.Equal(0, MetricsText.Value(metrics, "transportguard_route_health_check_failures_total{route=\"example.net\",server=\"127.0.0.1:2602\"}"));
        Assert.Equal(0, MetricsText.Value(metrics, "transportguard_route_active_server{route=\"example.net\",server=\"127.0.0.1:2601\"}"));
        Assert.Equal(1, MetricsText.Value(metrics, "transportguard_route_active_server{route=\"example.net\",server=\"127.0.0.1:2602\"}"));
    }

    [Fact]
    public async Task A_passed_check_in_between_starts_the_count_again()
    {
        await using var cluster = await ClusterMonitorHarness.StartAsync(Spec);
        await cluster.FailAsync(A, 2);
        var lastGood = await cluster.RecoverAsync(A);
        await cluster.FailAsync(A, 2);
        Assert.Equal(A, cluster.Active);
        await cluster.TickAsync();
        Assert.Equal(lastGood, Assert.Single(cluster.Failovers).LastGoodContact);
    }

    [Fact]
    public async Task A_recovered_old_active_does_not_take_the_route_back()
    {
        await using var cluster = await ClusterMonitorHarness.StartAsync(Spec);
        await cluster.FailAsync(A, 3);
        Assert.Equal(B, cluster.Active);

        await cluster.RecoverAsync(A);
        await cluster.TickAsync(45); // 90 s: well past its hold-down
        Assert.Equal(B, cluster.Active);
        Assert.Single(cluster.Failovers);
        Assert.True(cluster.Cluster.Snapshot().Servers[0].Healthy);
        Assert.Equal(1, cluster.Logger.Count(3201)); // "passes its health check again", once
    }

    [Fact]
    public async Task A_server_that_came_back_less_than_the_hold_down_ago_is_skipped_for_the_next_one()
    {
        // B is down from the start and back 4 s before A fails: still in its hold-down, so the route goes to C.
        await using var cluster = await ClusterMonitorHarness.StartAsync(ThreeServers, before: probe => probe.Down(B));
        await cluster.TickAsync(2);
        cluster.Probe.Up(B);
        await cluster.FailAsync(A, 3);
        Assert.Equal(C, cluster.Active);

        await cluster.TickAsync(30); // B is past its hold-down now; A stays down
        var aBack = await cluster.RecoverAsync(A);
        await cluster.FailAsync(C, 3);
        // A is next after C in list order, but came back 6 s ago: B takes the route.
        Assert.Equal(B, cluster.Active);
        Assert.Equal([(A, C), (C, B)], cluster.Failovers.Select(f => (f.From, f.To)));
        Assert.True(cluster.Time.GetUtcNow() - aBack < cluster.Options.HealthCheckHoldDown);
    }

    [Fact]
    public async Task A_standby_that_failed_a_single_check_is_not_held_down()
    {
        // As a gateway's first checks can be, while it starts: too slow once.
        await using var cluster = await ClusterMonitorHarness.StartAsync(Spec, before: probe => probe.Down(A, B));
        await cluster.RecoverAsync(B);
        await cluster.FailAsync(A, 2); // three in a row, with the first
        Assert.Equal(B, cluster.Active);
    }

    [Fact]
    public async Task A_failed_check_during_the_hold_down_starts_it_again()
    {
        await using var cluster = await ClusterMonitorHarness.StartAsync(Spec, before: probe => probe.Down(B));
        await cluster.TickAsync(2); // B is down
        await cluster.RecoverAsync(B);
        await cluster.TickAsync(20);
        await cluster.FailAsync(B, 1);
        var bBack = await cluster.RecoverAsync(B);
        await cluster.FailAsync(A, 3);
        Assert.Equal(A, cluster.Active); // B is back 6 s after its failed check, which started its hold-down again
        await cluster.TickUntilAsync(() => cluster.Active == B, 30);
        Assert.Equal(cluster.Options.HealthCheckHoldDown, cluster.Time.GetUtcNow() - bBack);
    }

    [Fact]
    public async Task With_the_only_standby_in_its_hold_down_the_route_stays_and_moves_once_the_hold_down_has_passed()
    {
        await using var cluster = await ClusterMonitorHarness.StartAsync(Spec);
        await cluster.FailAsync(A, 3);
        var aBack = await cluster.RecoverAsync(A);
        await cluster.FailAsync(B, 3);
        Assert.Equal(B, cluster.Active);
        Assert.Equal(1, cluster.Logger.Count(3203)); // no standby: said once, not every round

        await cluster.TickUntilAsync(() => cluster.Active == A, 40);
        Assert.True(cluster.Time.GetUtcNow() - aBack >= cluster.Options.HealthCheckHoldDown);
        Assert.True(cluster.Time.GetUtcNow() - aBack < cluster.Options.HealthCheckHoldDown + cluster.Options.HealthCheckInterval);
        Assert.Equal(1, cluster.Logger.Count(3203));
        Assert.Equal(2, cluster.Failovers.Count);
    }

    [Fact]
    public async Task With_every_server_down_the_route_stays_and_says_so_once()
    {
        await using var cluster = await ClusterMonitorHarness.StartAsync(Spec, before: probe => probe.Down(A, B));
        await cluster.TickAsync(20);
        Assert.Equal(A, cluster.Active);
        Assert.Empty(cluster.Failovers);
        Assert.Equal(1, cluster.Logger.Count(3203));
        var snapshot = cluster.Cluster.Snapshot();
        Assert.Null(snapshot.LastGoodContact);
        Assert.Equal([21, 21], snapshot.Servers.Select(s => s.ConsecutiveFailures));

        // B comes back: it failed, so it serves its hold-down first. A never answered since the start: the window
        // starts from when the gateway began watching.
        cluster.Probe.Up(B);
        var rounds = await cluster.TickUntilAsync(() => cluster.Active == B, 40);
        Assert.Equal(31, rounds); // back in the first round, trusted 30 rounds (60 s) later
        Assert.Equal(new DateTimeOffset(2026, 3, 1, 8, 0, 0, TimeSpan.Zero), Assert.Single(cluster.Failovers).LastGoodContact);
    }

    [Fact]
    public async Task A_check_that_does_not_answer_within_the_timeout_fails()
    {
        await using var cluster = await ClusterMonitorHarness.StartAsync(Spec);
        cluster.Probe.Hang(A);
        var timeout = cluster.Options.ProbeTimeout; // half the interval by default
        for (var i = 0; i < 3; i++)
        {
            var before = cluster.Monitor.Rounds;
            cluster.Time.Advance(i == 0 ? cluster.Options.HealthCheckInterval : cluster.Options.HealthCheckInterval - timeout);
            await Eventually.UntilAsync(() => cluster.Probe.Hanging == 1, TimeSpan.FromSeconds(10), () => "the probe was not called");
            Assert.Equal(before, cluster.Monitor.Rounds);
            cluster.Time.Advance(timeout);
            await cluster.WaitForRoundAsync(before);
        }
        Assert.Equal(B, cluster.Active);
        Assert.Contains("no answer within 1 s", cluster.Cluster.Snapshot().Servers[0].LastError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_failing_handler_is_logged_and_neither_the_other_handlers_nor_the_monitor_stop()
    {
        await using var cluster = await ClusterMonitorHarness.StartAsync(ThreeServers);
        cluster.Clusters.FailedOver += _ => throw new InvalidOperationException("the Safety Net is busy");
        var heard = 0;
        cluster.Clusters.FailedOver += _ => heard++;
        await cluster.FailAsync(A, 3);
        Assert.Equal((B, 1, 1), (cluster.Active, heard, cluster.Logger.Count(3204)));
        await cluster.FailAsync(B, 3);
        Assert.Equal((C, 2), (cluster.Active, heard));
    }

    [Fact]
    public void The_options_are_checked_at_start()
    {
        Assert.Empty(new MailboxClusterOptions().Validate());
        Assert.Equal(TimeSpan.FromSeconds(1), new MailboxClusterOptions().ProbeTimeout);
        var bad = new MailboxClusterOptions
        {
            HealthCheckInterval = TimeSpan.FromMilliseconds(200), HealthCheckFailures = 0, HealthCheckHoldDown = TimeSpan.Zero,
            HealthCheckTimeout = TimeSpan.FromMilliseconds(200),
        }.Validate().ToList();
        Assert.Equal(3, bad.Count);
        Assert.Contains(bad, e => e.StartsWith("MailboxClusters:HealthCheckFailures must be between 1 and 100", StringComparison.Ordinal));
        Assert.Contains(bad, e => e.StartsWith("MailboxClusters:HealthCheckHoldDown must be a positive", StringComparison.Ordinal));
        Assert.Contains(bad, e => e.StartsWith("MailboxClusters:HealthCheckTimeout must be a positive time span shorter than HealthCheckInterval", StringComparison.Ordinal));
    }
}
