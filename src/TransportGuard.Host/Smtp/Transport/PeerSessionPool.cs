using Microsoft.Extensions.Options;
using TransportGuard.Smtp.Cluster;

namespace TransportGuard.Smtp.Transport;

/// <summary>
/// Slots for cluster peers, apart from the client limits (docs/security.md, Peer sessions). Two counts, each bounded
/// by <c>Cluster:MaxPeerSessions</c>: authenticated peer sessions, and connections let in only to authenticate (the
/// client limits or a drain would have refused them). Strangers can fill only the second, and each of those slots is
/// held for <c>Cluster:AuthenticationTimeout</c> at most, so they never take an authenticated peer's slot.
/// </summary>
internal sealed class PeerSessionPool(IOptions<ClusterOptions> options)
{
    private int _authenticated;
    private int _provisional;

    public TimeSpan AuthenticationTimeout => options.Value.AuthenticationTimeout;

    public bool TryAcquireAuthenticated() => TryAcquire(ref _authenticated);
    public void ReleaseAuthenticated() => Interlocked.Decrement(ref _authenticated);

    public bool TryAcquireProvisional() => TryAcquire(ref _provisional);
    public void ReleaseProvisional() => Interlocked.Decrement(ref _provisional);

    private bool TryAcquire(ref int count)
    {
        if (Interlocked.Increment(ref count) <= options.Value.MaxPeerSessions)
            return true;
        Interlocked.Decrement(ref count);
        return false;
    }
}
