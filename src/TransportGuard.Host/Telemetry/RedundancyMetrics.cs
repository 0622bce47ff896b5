using Prometheus;

namespace TransportGuard.Telemetry;

/// <summary>
/// Shadow redundancy and duplicate detection (docs/protocol.md, docs/dedup.md; the Safety Net has its own metrics). The
/// series exist from the start,
/// at zero until those features record into them, so that the dashboard and the alert rules work unchanged as
/// each feature lands (and an alert on "accepted without redundancy" is already defined when it can first fire).
/// </summary>
internal sealed class RedundancyMetrics(MetricsRegistry metrics)
{
    public Gauge ShadowMessages { get; } = metrics.Factory.CreateGauge("transportguard_shadow_messages", "Shadow copies held, by the primary peer they belong to.", ["peer"]);
    public Histogram HeartbeatDuration { get; } = metrics.Factory.CreateHistogram("transportguard_shadow_heartbeat_duration_seconds",
        "Round trip of one XQUERYDISCARD heartbeat, by primary peer.", new HistogramConfiguration { LabelNames = ["peer"], Buckets = MetricsRegistry.LatencyBuckets });
    public Counter HeartbeatFailures { get; } = metrics.Factory.CreateCounter("transportguard_shadow_heartbeat_failures_total", "Failed XQUERYDISCARD heartbeats, by primary peer.", ["peer"]);
    public Counter Takeovers { get; } = metrics.Factory.CreateCounter("transportguard_shadow_takeovers_total", "Takeovers of a dead primary's shadows, by primary peer.", ["peer"]);
    public Counter TakeoverFailures { get; } = metrics.Factory.CreateCounter("transportguard_shadow_takeover_failures_total",
        "Shadows not taken over because their copy is unreadable (they stay in the spool for an operator).");
    public Counter DiscardNotices { get; } = metrics.Factory.CreateCounter("transportguard_shadow_discard_notices_total", "Discard notices received for shadows we held.");
    public Counter AcceptedWithoutRedundancy { get; } = metrics.Factory.CreateCounter("transportguard_messages_accepted_without_redundancy_total",
        "Messages acknowledged with 250 although no peer took a shadow copy.");
    public Counter AutoDiscarded { get; } = metrics.Factory.CreateCounter("transportguard_shadow_auto_discarded_total",
        "Shadows dropped after ShadowMessageAutoDiscardInterval without a discard notice from their primary.");
    public Counter DuplicatesSuppressed { get; } = metrics.Factory.CreateCounter("transportguard_duplicates_suppressed_total",
        "Deliveries (a message to a recipient) not made because the destination already had them: at receive, or before a delivery (docs/dedup.md).");
}
