namespace TransportGuard;

/// <summary>
/// Set when a component needs the whole gateway stopped and started again in the same process: the ordered host
/// shutdown quiesces every session before the spool closes, and start-up recovers the spool. Used after a failed
/// spool commit once disk space is back (FasterLog commits nothing more after a failure until it is reopened).
/// </summary>
internal sealed class GatewayRestart
{
    private int _requested;

    public bool Requested => Volatile.Read(ref _requested) != 0;

    public void Request() => Interlocked.Exchange(ref _requested, 1);
}
