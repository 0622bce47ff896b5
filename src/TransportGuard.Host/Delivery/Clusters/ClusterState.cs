using TransportGuard.Delivery.Routing;

namespace TransportGuard.Delivery.Clusters;

/// <summary>What one round of health checks changed on a cluster route.</summary>
/// <param name="Stranded">The active server is down and no standby may take over: the route stays (said once, until
/// the active recovers or the route moves).</param>
internal sealed record HealthRound(IReadOnlyList<ServerHealth> WentDown, IReadOnlyList<ServerHealth> CameUp, ClusterFailover? FailedOver, bool Stranded);

/// <summary>
/// One mailbox cluster route: its servers in order, the active one (the first at start) and the failover rule
/// (docs/safetynet.md, Mailbox clusters). The route moves only when its active server fails
/// <see cref="MailboxClusterOptions.HealthCheckFailures"/> probes in a row, to the next server in list order
/// (wrapping) that is eligible: it passed its last check, and if it was down (as many failures in a row), every
/// check for the hold-down since. It never moves
/// back by itself while the active is healthy, as a mailbox database's active copy stays where it was mounted.
/// </summary>
internal sealed class ClusterState
{
    private readonly Lock _lock = new();
    private readonly ServerHealth[] _servers;
    private readonly DateTimeOffset _watchedSince;
    private volatile int _active;
    private DateTimeOffset? _lastGoodContact;
    private int _failovers;
    private ClusterFailover? _lastFailover;
    private bool _stranded;

    public ClusterState(MailboxClusterRoute route, string name, DateTimeOffset watchedSince)
    {
        Route = route;
        Name = name;
        _watchedSince = watchedSince;
        _servers = [.. route.Servers.Select(s => new ServerHealth(s))];
    }

    public MailboxClusterRoute Route { get; }

    /// <summary>The domain keys that use this route, comma-separated (the metrics' <c>route</c> label).</summary>
    public string Name { get; }

    /// <summary>Read for every recipient on the route, without the lock.</summary>
    public HostPort Active => Route.Servers[_active];

    /// <summary>Records one round of probes (one result per server, in list order) and applies the failover rule.</summary>
    public HealthRound Record(IReadOnlyList<ProbeResult> results, DateTimeOffset now, MailboxClusterOptions options)
    {
        lock (_lock)
        {
            List<ServerHealth> down = [], up = [];
            for (var i = 0; i < _servers.Length; i++)
                if (_servers[i].Record(results[i], now, options))
                    (results[i].Passed ? up : down).Add(_servers[i]);
            var active = _servers[_active];
            if (active.Healthy == true)
            {
                _lastGoodContact = now;
                _stranded = false;
                return new HealthRound(down, up, null, false);
            }
            if (active.ConsecutiveFailures < options.HealthCheckFailures)
                return new HealthRound(down, up, null, false);
            var next = Enumerable.Range(1, _servers.Length - 1).Select(step => (_active + step) % _servers.Length)
                .FirstOrDefault(i => _servers[i].Eligible(now, options.HealthCheckHoldDown), -1);
            if (next < 0)
            {
                var first = !_stranded;
                _stranded = true;
                return new HealthRound(down, up, null, first);
            }
            var failover = new ClusterFailover(Route.Spec, active.Server, _servers[next].Server, _lastGoodContact ?? _watchedSince, Route.Replay, now);
            _active = next;
            _failovers++;
            _lastFailover = failover;
            _stranded = false;
            // The new active passed this round's probe: that is the first good contact with it.
            _lastGoodContact = now;
            return new HealthRound(down, up, failover, false);
        }
    }

    /// <summary>At start: the route where it was before the restart, when that server is still one of its own.</summary>
    public void Restore(PersistedCluster saved)
    {
        lock (_lock)
        {
            var index = Array.FindIndex(_servers, s => s.Server == saved.Active);
            if (index < 0)
                return;
            _active = index;
            _failovers = saved.Failovers;
            _lastFailover = saved.LastFailover;
        }
    }

    public PersistedCluster Persisted()
    {
        lock (_lock)
            return new PersistedCluster(Route.Spec, Active, _failovers, _lastFailover);
    }

    public ClusterSnapshot Snapshot()
    {
        lock (_lock)
            return new ClusterSnapshot(Route.Spec, Name, Active, [.. _servers.Select((s, i) => s.Snapshot(i == _active))],
                _lastGoodContact, Route.Replay, _failovers, _lastFailover);
    }
}
