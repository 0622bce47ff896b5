using System.Reflection;
using Prometheus;

namespace TransportGuard.Telemetry;

/// <summary>
/// This gateway's own Prometheus registry: one per host, not prometheus-net's static default, so that a gateway
/// restarted in-process (or several in one test process) starts from fresh series. Names follow Prometheus
/// conventions (docs/architecture.md, Conventions 11): transportguard_ prefix, base units, _total counters, low-cardinality labels.
/// </summary>
internal sealed class MetricsRegistry
{
    public MetricsRegistry()
    {
        Registry = Metrics.NewCustomRegistry();
        Factory = Metrics.WithCustomRegistry(Registry);
        DotNetStats.Register(Registry);
        var version = typeof(MetricsRegistry).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";
        Factory.CreateGauge("transportguard_build_info", "Always 1; the version label says which build runs.", ["version"]).WithLabels(version).Set(1);
    }

    public CollectorRegistry Registry { get; }
    public IMetricFactory Factory { get; }

    /// <summary>Gauges read at scrape time (queue depth, spool size, free disk) refresh here.</summary>
    public void BeforeCollect(Action refresh) => Registry.AddBeforeCollectCallback(refresh);

    public Task ExportAsync(Stream destination, CancellationToken cancellationToken) =>
        Registry.CollectAndExportAsTextAsync(destination, cancellationToken);

    /// <summary>Latency buckets from 0.5 ms to 60 s: commits take milliseconds, a slow next hop minutes.</summary>
    public static readonly double[] LatencyBuckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
}
