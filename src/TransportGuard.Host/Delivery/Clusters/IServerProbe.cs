using TransportGuard.Delivery.Routing;

namespace TransportGuard.Delivery.Clusters;

/// <summary>One health check's answer: passed, or why not.</summary>
internal readonly record struct ProbeResult(bool Passed, string? Error = null)
{
    public static ProbeResult Pass => new(true);

    public static ProbeResult Fail(string error) => new(false, error);
}

/// <summary>Checks that a mailbox server takes SMTP sessions. Returns a failed result for the expected failures
/// (refused, timed out, a 4xx/5xx greeting); the monitor also bounds it by the probe timeout.</summary>
internal interface IServerProbe
{
    Task<ProbeResult> ProbeAsync(HostPort server, CancellationToken cancellationToken);
}
