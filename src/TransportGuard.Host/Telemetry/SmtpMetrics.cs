using Prometheus;

namespace TransportGuard.Telemetry;

/// <summary>The SMTP receive side: connections, sessions, transactions, bytes, replies and the time to 250.</summary>
internal sealed class SmtpMetrics
{
    private readonly Counter _connections;
    private readonly Gauge _sessions;
    private readonly Counter _bytes;
    private readonly Histogram _accept;
    // Labelled series exist from the start at zero, so that the first increase shows in rate() (a series born at
    // its first event has no earlier sample to rise from); made once, they are not looked up per reply.
    private readonly Dictionary<string, Counter.Child> _transactions;
    private readonly Counter.Child[] _replies; // by ReplyClasses

    private static readonly string[] Results = ["queued", "refused", "failed"];
    private static readonly string[] ReplyClasses = ["2xx", "3xx", "4xx", "5xx"];

    public SmtpMetrics(MetricsRegistry metrics)
    {
        var factory = metrics.Factory;
        _connections = factory.CreateCounter("transportguard_smtp_connections_total", "SMTP connections accepted.");
        _sessions = factory.CreateGauge("transportguard_smtp_sessions", "SMTP sessions open now.");
        var transactions = factory.CreateCounter("transportguard_smtp_transactions_total",
            "Mail transactions that reached their end, by result: queued (250), refused (the message got a 5xx or 4xx of policy), failed (our storage failed: 451).", ["result"]);
        _bytes = factory.CreateCounter("transportguard_smtp_received_bytes_total", "Message bytes received in transactions that were queued.");
        var replies = factory.CreateCounter("transportguard_smtp_replies_total", "SMTP replies sent, by class.", ["class"]);
        _accept = factory.CreateHistogram("transportguard_smtp_accept_duration_seconds",
            "From the end of a message's data to its 250: mostly the group commit.", new HistogramConfiguration { Buckets = MetricsRegistry.LatencyBuckets });
        _transactions = Results.ToDictionary(r => r, r => transactions.WithLabels(r), StringComparer.Ordinal);
        _replies = [.. ReplyClasses.Select(c => replies.WithLabels(c))];
    }

    public void Connected() => _connections.Inc();
    public void SessionOpened() => _sessions.Inc();
    public void SessionClosed() => _sessions.Dec();

    public void Replied(int code) => _replies[code switch { < 300 => 0, < 400 => 1, < 500 => 2, _ => 3 }].Inc();

    /// <param name="kind">"queued", "failed" (our storage) or "refused" (anything else that ended it).</param>
    public void TransactionEnded(string kind, long size, double acceptSeconds)
    {
        _transactions[kind].Inc();
        if (kind != "queued")
            return;
        _bytes.Inc(size);
        _accept.Observe(acceptSeconds);
    }
}
