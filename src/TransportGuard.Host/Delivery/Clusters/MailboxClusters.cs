using Microsoft.Extensions.Options;
using TransportGuard.Delivery.Routing;
using TransportGuard.Spool;

namespace TransportGuard.Delivery.Clusters;

/// <summary>
/// Every mailbox cluster route's state, one per specification (two domains routed to the same cluster share it),
/// and the event the Safety Net listens on (docs/safetynet.md, Mailbox clusters). It answers
/// <see cref="RouteTable"/>'s question of which server is active; <see cref="MailboxClusterMonitor"/> moves them.
/// </summary>
internal sealed class MailboxClusters : IActiveServers
{
    private readonly Dictionary<string, ClusterState> _bySpec = new(StringComparer.Ordinal);

    public MailboxClusters(IOptions<DeliveryOptions> delivery, IOptions<SpoolOptions> spool, TimeProvider time)
    {
        var now = time.GetUtcNow();
        foreach (var group in RouteTable.Configured(delivery.Value, spool.Value).Where(r => r.Route is MailboxClusterRoute).GroupBy(r => r.Route.Spec))
            _bySpec[group.Key] = new ClusterState((MailboxClusterRoute)group.First().Route, string.Join(",", group.Select(r => r.Name)), now);
        All = [.. _bySpec.Values];
        _stateFile = Path.Combine(spool.Value.DataDirectory, ClusterStateFile.Name);
        var saved = ClusterStateFile.Load(_stateFile);
        foreach (var state in All)
            if (saved.TryGetValue(state.Route.Spec, out var persisted))
                state.Restore(persisted);
    }

    private readonly string _stateFile;

    /// <summary>Writes every route's position durably: called at each move, before it is announced.</summary>
    internal void Save() => ClusterStateFile.Save(_stateFile, All.Select(s => s.Persisted()));

    public IReadOnlyList<ClusterState> All { get; }

    /// <summary>
    /// A route moved to another server, raised once per move after it is logged and counted, on the monitor's loop:
    /// a handler hands long work (a resubmit) off. A handler that throws is logged and does not stop the monitor.
    /// </summary>
    public event Action<ClusterFailover>? FailedOver;

    public HostPort ActiveOf(MailboxClusterRoute route) =>
        _bySpec.TryGetValue(route.Spec, out var state) ? state.Active : route.Servers[0];

    /// <summary>Each cluster route now: servers and their health, the active one, failovers (for the admin API).</summary>
    public IReadOnlyList<ClusterSnapshot> Snapshot() => [.. All.Select(s => s.Snapshot())];

    /// <summary>Raises <see cref="FailedOver"/>; each handler on its own, so one failing does not keep the others from it.</summary>
    internal void Announce(ClusterFailover failover, Action<Exception> handlerFailed)
    {
        foreach (var handler in FailedOver?.GetInvocationList().Cast<Action<ClusterFailover>>() ?? [])
        {
            try
            {
                handler(failover);
            }
            catch (Exception ex)
            {
                handlerFailed(ex);
            }
        }
    }
}
