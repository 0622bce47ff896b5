using Microsoft.Extensions.Options;
using TransportGuard.Smtp.Cluster;

namespace TransportGuard.Smtp.Transport;

/// <summary>
/// Sessions of authenticated peers, and of connections let in only to authenticate as one while the client limits
/// or a drain refuse everyone else: bounded on their own (<c>Cluster:MaxPeerSessions</c>, docs/security.md), so
/// clients cannot starve heartbeats and copies, and peers cannot take the clients' slots.
/// </summary>
internal sealed class PeerSessionPool(IOptions<ClusterOptions> options)
{
    private int _count;

    public int Active => Volatile.Read(ref _count);

    public bool TryAcquire()
    {
        if (Interlocked.Increment(ref _count) <= options.Value.MaxPeerSessions)
            return true;
        Interlocked.Decrement(ref _count);
        return false;
    }

    public void Release() => Interlocked.Decrement(ref _count);
}
