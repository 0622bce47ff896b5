using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TransportGuard.Delivery.Routing;

namespace TransportGuard.Delivery.Clusters;

/// <summary>
/// Probes every server of every mailbox cluster route each <see cref="MailboxClusterOptions.HealthCheckInterval"/>
/// on the injected clock (docs/architecture.md, Conventions 6), the first round at start, and applies each route's
/// failover rule (<see cref="ClusterState"/>): a move is logged, counted, then announced to the Safety Net
/// (docs/safetynet.md, Mailbox clusters).
/// </summary>
internal sealed partial class MailboxClusterMonitor(MailboxClusters clusters, IServerProbe probe, MailboxClusterMetrics metrics,
    IOptions<MailboxClusterOptions> options, TimeProvider time, ILogger<MailboxClusterMonitor> logger) : BackgroundService
{
    private readonly MailboxClusterOptions _options = options.Value;
    private int _rounds;

    /// <summary>Rounds completed, whatever their outcome (lets a test on a virtual clock wait for each).</summary>
    public int Rounds => Volatile.Read(ref _rounds);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (clusters.All.Count == 0)
            return;
        using var timer = new PeriodicTimer(_options.HealthCheckInterval, time);
        do
        {
            try
            {
                await CheckAsync(stoppingToken);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                LogRoundFailed(ex);
            }
            finally
            {
                Interlocked.Increment(ref _rounds);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    /// <summary>One round: every server of every route probed at once (a slow one delays no other verdict), then each
    /// route judged (public for tests that drive rounds one by one).</summary>
    public async Task CheckAsync(CancellationToken cancellationToken)
    {
        var rounds = clusters.All.Select(async cluster => (cluster, await Task.WhenAll(cluster.Route.Servers.Select(s => ProbeAsync(s, cancellationToken)))));
        var now = time.GetUtcNow();
        foreach (var (cluster, results) in await Task.WhenAll(rounds))
            Judge(cluster, cluster.Record(results, now, _options), results);
    }

    private async Task<ProbeResult> ProbeAsync(HostPort server, CancellationToken cancellationToken)
    {
        using var deadline = new CancellationTokenSource(_options.ProbeTimeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        try
        {
            return await probe.ProbeAsync(server, linked.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return ProbeResult.Fail($"no answer within {_options.ProbeTimeout.TotalSeconds:0.###} s");
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            return ProbeResult.Fail(ex.Message);
        }
    }

    private void Judge(ClusterState cluster, HealthRound round, ProbeResult[] results)
    {
        for (var i = 0; i < results.Length; i++)
            if (!results[i].Passed)
                metrics.CheckFailed(cluster, cluster.Route.Servers[i]);
        foreach (var server in round.WentDown)
            LogServerDown(cluster.Name, server.Server.ToString(), server.LastError ?? "");
        foreach (var server in round.CameUp)
            LogServerUp(cluster.Name, server.Server.ToString());
        if (round.Stranded)
            LogStranded(cluster.Name, cluster.Active.ToString(), _options.HealthCheckFailures, _options.HealthCheckHoldDown.TotalSeconds);
        if (round.FailedOver is not { } failover)
            return;
        LogFailover(cluster.Name, failover.From.ToString(), failover.To.ToString(), _options.HealthCheckFailures, failover.LastGoodContact,
            failover.WindowStart, failover.At);
        metrics.FailedOver(cluster);
        clusters.Announce(failover, ex => LogHandlerFailed(ex, cluster.Name));
    }

    [LoggerMessage(3200, LogLevel.Warning, "Mailbox server {Server} of route {Route} failed its health check: {Error}")]
    private partial void LogServerDown(string route, string server, string error);

    [LoggerMessage(3201, LogLevel.Information, "Mailbox server {Server} of route {Route} passes its health check again")]
    private partial void LogServerUp(string route, string server);

    [LoggerMessage(3202, LogLevel.Warning, "Route {Route} failed over from {From} to {To} after {Failures} failed health checks; " +
        "last good contact {LastGoodContact:O}: the Safety Net is asked to resubmit what it delivered from {WindowStart:O} to {At:O}")]
    private partial void LogFailover(string route, string from, string to, int failures, DateTimeOffset lastGoodContact, DateTimeOffset windowStart, DateTimeOffset at);

    [LoggerMessage(3203, LogLevel.Error, "Route {Route}: its active server {Active} failed {Failures} health checks, and no standby has " +
        "passed them for the hold-down ({HoldDownSeconds} s): the route stays")]
    private partial void LogStranded(string route, string active, int failures, double holdDownSeconds);

    [LoggerMessage(3204, LogLevel.Error, "Route {Route}: a failover handler failed")]
    private partial void LogHandlerFailed(Exception exception, string route);

    [LoggerMessage(3205, LogLevel.Error, "A round of mailbox cluster health checks failed")]
    private partial void LogRoundFailed(Exception exception);
}
