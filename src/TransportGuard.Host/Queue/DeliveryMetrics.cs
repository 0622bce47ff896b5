using Prometheus;
using TransportGuard.Delivery;
using TransportGuard.Telemetry;

namespace TransportGuard.Queue;

/// <summary>The queue and delivery: depth by state, outcomes per recipient, time per delivery, reports sent.</summary>
internal sealed class DeliveryMetrics
{
    private readonly Counter _attempts;
    private readonly Histogram _duration;
    private readonly Counter _bounces;
    private readonly Gauge _queue;
    // The labelled series, made once: the per-recipient path looks them up by value, without label strings.
    private readonly Dictionary<DeliveryOutcome, Counter.Child> _attemptsBy;
    private readonly Dictionary<QueueItemState, Gauge.Child> _queueBy;

    private readonly MetricsRegistry _registry;

    public DeliveryMetrics(MetricsRegistry metrics)
    {
        _registry = metrics;
        var factory = metrics.Factory;
        _attempts = factory.CreateCounter("transportguard_delivery_attempts_total", "Recipient delivery attempts, by outcome: delivered, deferred (4xx, retried) or failed (5xx, reported).", ["outcome"]);
        _duration = factory.CreateHistogram("transportguard_delivery_duration_seconds", "One delivery to one destination: connection (or reuse) through the last reply.",
            new HistogramConfiguration { Buckets = MetricsRegistry.LatencyBuckets });
        _bounces = factory.CreateCounter("transportguard_bounces_total", "Delivery status notifications (bounces) generated.");
        _queue = factory.CreateGauge("transportguard_queue_messages", "Messages in the queue, by state.", ["state"]);
        _attemptsBy = Enum.GetValues<DeliveryOutcome>().ToDictionary(o => o, o => _attempts.WithLabels(Label(o)));
        _queueBy = Enum.GetValues<QueueItemState>().ToDictionary(s => s, s => _queue.WithLabels(Label(s)));
    }

    /// <summary>Depth is read at scrape time from the queue's own count.</summary>
    public void Observe(Func<IReadOnlyDictionary<QueueItemState, int>> countByState) => _registry.BeforeCollect(() =>
    {
        foreach (var (state, count) in countByState())
            _queueBy[state].Set(count);
    });

    public void Delivered(IEnumerable<RecipientResult> results, TimeSpan elapsed)
    {
        foreach (var result in results)
            _attemptsBy[result.Outcome].Inc();
        _duration.Observe(elapsed.TotalSeconds);
    }

    public void Bounced() => _bounces.Inc();

    private static string Label<T>(T value) where T : struct, Enum => value.ToString().ToLowerInvariant();
}
