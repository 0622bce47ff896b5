using TransportGuard.Delivery.Routing;

namespace TransportGuard.Delivery.Clusters;

/// <summary>What the health checks know of one server of a cluster (guarded by its <see cref="ClusterState"/>).</summary>
internal sealed class ServerHealth(HostPort server)
{
    public HostPort Server { get; } = server;

    /// <summary>The last probe's verdict; null before the first.</summary>
    public bool? Healthy { get; private set; }

    public int ConsecutiveFailures { get; private set; }

    /// <summary>The first passed probe after the last failed one (or the first ever); null while failing.</summary>
    public DateTimeOffset? HealthySince { get; private set; }

    /// <summary>Was down (failed as many checks in a row as move a route), and has not passed every check since for
    /// the hold-down: only such a server serves one. A single failed check (a blip, a slow first check of a cold
    /// start) does not put a standby out of reach for a minute, and a standby never seen down is trusted at once.</summary>
    public bool WasDown { get; private set; }

    public DateTimeOffset? LastCheck { get; private set; }
    public string? LastError { get; private set; }

    /// <summary>Records a probe; true when it changed the verdict worth a log line: down (the first probe too), or
    /// back up after being down.</summary>
    public bool Record(ProbeResult result, DateTimeOffset at, MailboxClusterOptions options)
    {
        var changed = Healthy != result.Passed && (Healthy is not null || !result.Passed);
        LastCheck = at;
        if (result.Passed)
        {
            HealthySince = Healthy == true ? HealthySince : at;
            ConsecutiveFailures = 0;
            LastError = null;
            WasDown &= at - HealthySince < options.HealthCheckHoldDown;
        }
        else
        {
            HealthySince = null;
            ConsecutiveFailures++;
            WasDown |= ConsecutiveFailures >= options.HealthCheckFailures;
            LastError = result.Error;
        }
        Healthy = result.Passed;
        return changed;
    }

    /// <summary>May a route move here now: it passed its last check, and every one for the hold-down if it was down.</summary>
    public bool Eligible(DateTimeOffset now, TimeSpan holdDown) =>
        Healthy == true && (!WasDown || now - HealthySince >= holdDown);

    public ServerSnapshot Snapshot(bool active) => new(Server, active, Healthy, ConsecutiveFailures, HealthySince, LastCheck, LastError);
}
