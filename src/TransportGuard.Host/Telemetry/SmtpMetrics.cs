using Prometheus;

namespace TransportGuard.Telemetry;

/// <summary>The SMTP receive side: connections, sessions, transactions, bytes, replies and the time to 250.</summary>
public sealed class SmtpMetrics(MetricsRegistry metrics)
{
    private readonly Counter _connections = metrics.Factory.CreateCounter("transportguard_smtp_connections_total", "SMTP connections accepted.");
    private readonly Gauge _sessions = metrics.Factory.CreateGauge("transportguard_smtp_sessions", "SMTP sessions open now.");
    private readonly Counter _transactions = metrics.Factory.CreateCounter("transportguard_smtp_transactions_total",
        "Mail transactions that reached their end, by result: queued (250), refused (the message got a 5xx or 4xx of policy), failed (our storage failed: 451).", ["result"]);
    private readonly Counter _bytes = metrics.Factory.CreateCounter("transportguard_smtp_received_bytes_total", "Message bytes received in transactions that were queued.");
    private readonly Counter _replies = metrics.Factory.CreateCounter("transportguard_smtp_replies_total", "SMTP replies sent, by class.", ["class"]);
    private readonly Histogram _accept = metrics.Factory.CreateHistogram("transportguard_smtp_accept_duration_seconds",
        "From the end of a message's data to its 250: mostly the group commit.", new HistogramConfiguration { Buckets = MetricsRegistry.LatencyBuckets });

    /// <summary>Labelled series exist from the start at zero, so that the first increase shows in rate() (a series
    /// born at its first event has no earlier sample to rise from).</summary>
    public SmtpMetrics Initialized()
    {
        foreach (var result in new[] { "queued", "refused", "failed" })
            _transactions.WithLabels(result);
        foreach (var replyClass in new[] { "2xx", "3xx", "4xx", "5xx" })
            _replies.WithLabels(replyClass);
        return this;
    }

    public void Connected() => _connections.Inc();
    public void SessionOpened() => _sessions.Inc();
    public void SessionClosed() => _sessions.Dec();

    public void Replied(int code) => _replies.WithLabels(code switch { < 300 => "2xx", < 400 => "3xx", < 500 => "4xx", _ => "5xx" }).Inc();

    /// <param name="kind">"queued", "failed" (our storage) or "refused" (anything else that ended it).</param>
    public void TransactionEnded(string kind, long size, double acceptSeconds)
    {
        _transactions.WithLabels(kind).Inc();
        if (kind != "queued")
            return;
        _bytes.Inc(size);
        _accept.Observe(acceptSeconds);
    }
}
