using TransportGuard.Configuration;

namespace TransportGuard.Delivery.Clusters;

/// <summary>How mailbox cluster routes are watched and failed over (configuration section "MailboxClusters";
/// docs/safetynet.md, Mailbox clusters). The routes themselves are <c>Delivery:Routes</c>.</summary>
internal sealed class MailboxClusterOptions : IValidatable
{
    public const string Section = "MailboxClusters";

    /// <summary>How often every server of every cluster route is probed (connect, greeting, EHLO, QUIT).</summary>
    public TimeSpan HealthCheckInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Consecutive failed probes of the active server after which its route moves to a standby.</summary>
    public int HealthCheckFailures { get; set; } = 3;

    /// <summary>How long a server that was down (<see cref="HealthCheckFailures"/> failed probes in a row) must pass
    /// every probe before a route may move to it: one that just came back (a restarted old active) is not trusted at
    /// once, so routes do not flap.</summary>
    public TimeSpan HealthCheckHoldDown { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How long one probe may take; half the interval when unset. Shorter than the interval, so a round of
    /// probes ends before the next one is due.</summary>
    public TimeSpan? HealthCheckTimeout { get; set; }

    public TimeSpan ProbeTimeout => HealthCheckTimeout ?? HealthCheckInterval / 2;

    public IEnumerable<string> Validate()
    {
        if (Check.Positive($"{Section}:{nameof(HealthCheckInterval)}", HealthCheckInterval) is { } interval)
            yield return interval;
        if (Check.Range($"{Section}:{nameof(HealthCheckFailures)}", HealthCheckFailures, 1, 100) is { } failures)
            yield return failures;
        if (Check.Positive($"{Section}:{nameof(HealthCheckHoldDown)}", HealthCheckHoldDown) is { } holdDown)
            yield return holdDown;
        if (HealthCheckTimeout is { } timeout && (timeout <= TimeSpan.Zero || timeout >= HealthCheckInterval))
            yield return $"{Section}:{nameof(HealthCheckTimeout)} must be a positive time span shorter than {nameof(HealthCheckInterval)} ({HealthCheckInterval}) (got {timeout})";
    }
}
