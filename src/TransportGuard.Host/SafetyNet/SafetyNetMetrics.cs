using Prometheus;
using TransportGuard.Spool;
using TransportGuard.Telemetry;

namespace TransportGuard.SafetyNet;

/// <summary>The Safety Net: what it holds, how old, what was let go and why, and what was resubmitted
/// (docs/safetynet.md). Sizes are read at scrape time.</summary>
internal sealed class SafetyNetMetrics
{
    private readonly Gauge _messages, _bytes, _oldest;
    private readonly Counter _resubmitted, _requests, _released;

    public SafetyNetMetrics(MetricsRegistry metrics, RetainedMessages retained, TimeProvider time)
    {
        var factory = metrics.Factory;
        _messages = factory.CreateGauge("transportguard_safetynet_messages", "Delivered messages held in the Safety Net.");
        _bytes = factory.CreateGauge("transportguard_safetynet_bytes", "Content bytes of the delivered messages held in the Safety Net.");
        _oldest = factory.CreateGauge("transportguard_safetynet_oldest_age_seconds", "Age of the oldest delivery held in the Safety Net (0 when empty).");
        _resubmitted = factory.CreateCounter("transportguard_safetynet_resubmitted_total",
            "Messages resubmitted from the Safety Net, by trigger (request: an operator's; failover: a mailbox cluster route moved).", ["trigger"]);
        _requests = factory.CreateCounter("transportguard_safetynet_resubmit_requests_total", "Resubmit requests run (dry runs included), by trigger.", ["trigger"]);
        _released = factory.CreateCounter("transportguard_safetynet_released_total",
            "Messages let go from the Safety Net, by reason (expired: past the hold time; size: past SafetyNet:MaxBytes, MaxMessages or the disk floor).", ["reason"]);
        foreach (var trigger in new[] { ResubmitTrigger.Request, ResubmitTrigger.Failover })
        {
            _resubmitted.WithLabels(trigger).IncTo(0);
            _requests.WithLabels(trigger).IncTo(0);
        }
        foreach (var reason in new[] { "expired", "size" })
            _released.WithLabels(reason).IncTo(0);
        metrics.BeforeCollect(() =>
        {
            _messages.Set(retained.Count);
            _bytes.Set(retained.Bytes);
            _oldest.Set(retained.OldestDelivery is { } oldest ? Math.Max(0, (time.GetUtcNow() - oldest).TotalSeconds) : 0);
        });
    }

    public void Resubmitted(string trigger, int messages) => _resubmitted.WithLabels(trigger).Inc(messages);
    public void Request(string trigger) => _requests.WithLabels(trigger).Inc();
    public void Released(string reason, int messages) => _released.WithLabels(reason).Inc(messages);
}
