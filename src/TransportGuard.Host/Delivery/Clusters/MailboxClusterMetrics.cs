using Prometheus;
using TransportGuard.Delivery.Routing;
using TransportGuard.Telemetry;

namespace TransportGuard.Delivery.Clusters;

/// <summary>Mailbox cluster routes (docs/safetynet.md, Mailbox clusters): failovers, failed health checks and which
/// server is active. The <c>route</c> label is the route's domain keys, <c>server</c> HOST:PORT: configured values
/// only, so few series. Every series exists at zero from the start, so that increase() sees the first failover.</summary>
internal sealed class MailboxClusterMetrics
{
    private readonly Counter _failovers;
    private readonly Counter _checkFailures;

    public MailboxClusterMetrics(MetricsRegistry metrics, MailboxClusters clusters)
    {
        _failovers = metrics.Factory.CreateCounter("transportguard_route_failovers_total",
            "Moves of a mailbox cluster route to another server after its active one failed its health checks.", ["route"]);
        _checkFailures = metrics.Factory.CreateCounter("transportguard_route_health_check_failures_total",
            "Failed health checks (connect, greeting, EHLO) of a mailbox cluster route's servers.", ["route", "server"]);
        var active = metrics.Factory.CreateGauge("transportguard_route_active_server",
            "1 for the server a mailbox cluster route delivers to now, 0 for its standbys.", ["route", "server"]);
        foreach (var cluster in clusters.All)
        {
            _failovers.WithLabels(cluster.Name);
            foreach (var server in cluster.Route.Servers)
                _checkFailures.WithLabels(cluster.Name, server.ToString());
        }
        metrics.BeforeCollect(() =>
        {
            foreach (var cluster in clusters.All)
            {
                var now = cluster.Active;
                foreach (var server in cluster.Route.Servers)
                    active.WithLabels(cluster.Name, server.ToString()).Set(server == now ? 1 : 0);
            }
        });
    }

    public void FailedOver(ClusterState cluster) => _failovers.WithLabels(cluster.Name).Inc();

    public void CheckFailed(ClusterState cluster, HostPort server) => _checkFailures.WithLabels(cluster.Name, server.ToString()).Inc();
}
