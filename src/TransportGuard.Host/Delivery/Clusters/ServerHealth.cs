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

    /// <summary>Failed at least once since the gateway started: only then does the hold-down apply. A standby never
    /// seen failing is trusted at once, or a route could not fail over in the first minute after a start.</summary>
    public bool EverFailed { get; private set; }

    public DateTimeOffset? LastCheck { get; private set; }
    public string? LastError { get; private set; }

    /// <summary>Records a probe; true when it changed the verdict worth a log line: down (the first probe too), or
    /// back up after being down.</summary>
    public bool Record(ProbeResult result, DateTimeOffset at)
    {
        var changed = Healthy != result.Passed && (Healthy is not null || !result.Passed);
        LastCheck = at;
        if (result.Passed)
        {
            HealthySince = Healthy == true ? HealthySince : at;
            ConsecutiveFailures = 0;
            LastError = null;
        }
        else
        {
            HealthySince = null;
            EverFailed = true;
            ConsecutiveFailures++;
            LastError = result.Error;
        }
        Healthy = result.Passed;
        return changed;
    }

    /// <summary>May a route move here now: healthy, and healthy for the whole hold-down if it ever failed.</summary>
    public bool Eligible(DateTimeOffset now, TimeSpan holdDown) =>
        Healthy == true && (!EverFailed || now - HealthySince >= holdDown);

    public ServerSnapshot Snapshot(bool active) => new(Server, active, Healthy, ConsecutiveFailures, HealthySince, LastCheck, LastError);
}
