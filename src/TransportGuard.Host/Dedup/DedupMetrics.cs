using Prometheus;
using TransportGuard.Telemetry;

namespace TransportGuard.Dedup;

/// <summary>The shared duplicate store as the node sees it: whether it answers, how often the local store answered
/// alone, and the resync of what was recorded meanwhile (docs/dedup.md).</summary>
internal sealed class DedupMetrics(MetricsRegistry metrics)
{
    private readonly Counter _fallbacks = metrics.Factory.CreateCounter("transportguard_dedup_shared_fallbacks_total",
        "Duplicate lookups and records done without the shared store (it failed or did not answer within Dedup:SharedTimeout): the local store alone.");
    private readonly Gauge _up = metrics.Factory.CreateGauge("transportguard_dedup_shared_up",
        "1 while the shared duplicate store answers, 0 while it does not (or has not answered yet).");
    private readonly Gauge _pending = metrics.Factory.CreateGauge("transportguard_dedup_resync_pending",
        "Entries recorded while the shared store did not take them, waiting to be pushed to it.");
    private readonly Counter _recorded = metrics.Factory.CreateCounter("transportguard_dedup_recorded_total",
        "Deliveries (a message to a recipient at a destination) written to the duplicate store once their next hop accepted them.");
    private readonly Counter _dropped = metrics.Factory.CreateCounter("transportguard_dedup_resync_dropped_total",
        "Entries dropped from the resync, oldest first, past Dedup:ResyncCapacity; the local store still holds them.");

    /// <summary>The gauges are read at scrape time from the store's own state.</summary>
    public void Observe(Func<bool> sharedUp, Func<int> pending) => metrics.BeforeCollect(() =>
    {
        _up.Set(sharedUp() ? 1 : 0);
        _pending.Set(pending());
    });

    public void Fallback() => _fallbacks.Inc();

    public void Recorded(int count) => _recorded.Inc(count);

    public void ResyncDropped(int count) => _dropped.Inc(count);
}
