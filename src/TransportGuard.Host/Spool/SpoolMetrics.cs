using Prometheus;
using TransportGuard.Telemetry;

namespace TransportGuard.Spool;

/// <summary>The spool: commit latency and failures, what it holds, and the disk it lives on.</summary>
internal sealed class SpoolMetrics
{
    private readonly Histogram _commit;
    private readonly Counter _failures;

    private readonly Gauge _messages, _bytes, _log, _free;

    public SpoolMetrics(MetricsRegistry metrics, DiskSpaceGuard disk)
    {
        var factory = metrics.Factory;
        _commit = factory.CreateHistogram("transportguard_spool_commit_duration_seconds", "One group commit of the spool log, fsync included.",
            new HistogramConfiguration { Buckets = MetricsRegistry.LatencyBuckets });
        _failures = factory.CreateCounter("transportguard_spool_commit_failures_total", "Spool commits that failed (the mail they covered got 451).");
        _messages = factory.CreateGauge("transportguard_spool_messages", "Messages in the spool (queued, deferred or held).");
        _bytes = factory.CreateGauge("transportguard_spool_message_bytes", "Content bytes of the messages in the spool.");
        _log = factory.CreateGauge("transportguard_spool_log_bytes", "Span of the spool log on disk, live and not yet truncated.");
        _free = factory.CreateGauge("transportguard_disk_free_bytes", "Free bytes on the spool's filesystem.");
        _registry = metrics;
        _disk = disk;
    }

    private readonly MetricsRegistry _registry;
    private readonly DiskSpaceGuard _disk;

    /// <summary>Sizes are read at scrape time from whichever spool is open.</summary>
    public void Watch(Func<MessageSpool?> spool) => _registry.BeforeCollect(() =>
    {
        _free.Set(_disk.FreeBytes);
        if (spool() is not { } current)
            return;
        _messages.Set(current.Index.Count);
        _bytes.Set(current.Index.Bytes);
        _log.Set(current.TailAddress - current.BeginAddress);
    });

    public void Committed(TimeSpan elapsed) => _commit.Observe(elapsed.TotalSeconds);
    public void CommitFailed() => _failures.Inc();
}
