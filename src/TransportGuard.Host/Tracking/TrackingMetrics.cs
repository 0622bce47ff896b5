using Prometheus;
using TransportGuard.Telemetry;

namespace TransportGuard.Tracking;

/// <summary>The tracking log as the node sees it: events written, events dropped, the files' size (docs/tracking.md).</summary>
internal sealed class TrackingMetrics(MetricsRegistry metrics)
{
    private readonly Counter _events = metrics.Factory.CreateCounter("transportguard_tracking_events_total",
        "Message tracking events written to the tracking log.");
    private readonly Counter _dropped = metrics.Factory.CreateCounter("transportguard_tracking_dropped_total",
        "Message tracking events dropped: the writer was Tracking:QueueCapacity events behind, or the log could not be written. Mail is not affected.");
    private readonly Gauge _bytes = metrics.Factory.CreateGauge("transportguard_tracking_bytes",
        "Size of the tracking log's files on disk (DATA/tracking), kept for Tracking:HoldTime.");

    /// <summary>The size is read at scrape time from the files themselves.</summary>
    public void Observe(Func<long> bytes) => metrics.BeforeCollect(() => _bytes.Set(bytes()));

    public void Written(long count) => _events.Inc(count);

    public void Dropped(long count) => _dropped.Inc(count);
}
