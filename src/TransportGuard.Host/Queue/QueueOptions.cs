using TransportGuard.Configuration;

namespace TransportGuard.Queue;

/// <summary>Retry and concurrency policy of the queue manager (configuration section "Queue"); defaults follow Postfix.</summary>
internal sealed class QueueOptions : IValidatable
{
    public const string Section = "Queue";

    /// <summary>After this long in the queue a message is returned to its sender (Postfix maximal_queue_lifetime, 5d).</summary>
    public TimeSpan MaxQueueLifetime { get; set; } = TimeSpan.FromDays(5);

    /// <summary>The wait after the first deferral; doubled after each further one (Postfix minimal_backoff_time is 300 s;
    /// we start lower because a hub's next hop is usually back within a minute).</summary>
    public TimeSpan RetryInitialDelay { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>The longest wait between attempts (Postfix maximal_backoff_time, 4000 s).</summary>
    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Each wait is spread by up to this fraction either way, so messages deferred together do not all
    /// come back in one burst.</summary>
    public double RetryJitter { get; set; } = 0.2;

    /// <summary>Deliveries running at once, over all destinations.</summary>
    public int MaxConcurrentDeliveries { get; set; } = 64;

    /// <summary>Deliveries running at once to one destination (Postfix default_destination_concurrency_limit, 20): a
    /// slow destination cannot take more, so it cannot starve the others.</summary>
    public int MaxConcurrencyPerDestination { get; set; } = 20;

    /// <summary>Messages being attempted at once, waiting for a slot included (Postfix qmgr_message_active_limit):
    /// bounds the memory a large ready queue takes.</summary>
    public int MaxActiveMessages { get; set; } = 20_000;

    /// <summary>Mail is accepted and queued but nothing is delivered (Exchange's Suspend-Queue, Postfix's
    /// defer_transports): for maintenance of a next hop, or to inspect what arrives.</summary>
    public bool Suspended { get; set; }

    /// <summary>On a stop (SIGTERM), how long deliveries already under way may run on to hear their next hop's reply,
    /// so that what it accepted is recorded and not delivered again after the restart. Keep it under the host's
    /// shutdown timeout (30 s).</summary>
    public TimeSpan StopGracePeriod { get; set; } = TimeSpan.FromSeconds(15);

    public IEnumerable<string> Validate()
    {
        foreach (var (key, value) in new[] { (nameof(MaxQueueLifetime), MaxQueueLifetime), (nameof(RetryInitialDelay), RetryInitialDelay), (nameof(RetryMaxDelay), RetryMaxDelay) })
            if (Check.Positive($"{Section}:{key}", value) is { } error)
                yield return error;
        if (StopGracePeriod < TimeSpan.Zero || StopGracePeriod > TimeSpan.FromSeconds(25))
            yield return $"{Section}:{nameof(StopGracePeriod)} must be between 0 and 25 seconds, under the host's shutdown timeout (got {StopGracePeriod})";
        if (RetryMaxDelay < RetryInitialDelay)
            yield return $"{Section}:{nameof(RetryMaxDelay)} must not be shorter than {nameof(RetryInitialDelay)}";
        if (RetryJitter is < 0 or >= 1)
            yield return $"{Section}:{nameof(RetryJitter)} must be at least 0 and below 1 (got {RetryJitter})";
        if (Check.Range($"{Section}:{nameof(MaxConcurrentDeliveries)}", MaxConcurrentDeliveries, 1, 10_000) is { } total)
            yield return total;
        if (Check.Range($"{Section}:{nameof(MaxConcurrencyPerDestination)}", MaxConcurrencyPerDestination, 1, 10_000) is { } perDestination)
            yield return perDestination;
        if (Check.Range($"{Section}:{nameof(MaxActiveMessages)}", MaxActiveMessages, 1, 1_000_000) is { } active)
            yield return active;
    }
}
