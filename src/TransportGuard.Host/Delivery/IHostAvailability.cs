using TransportGuard.Delivery.Smtp;
using TransportGuard.Smtp.Cluster;

namespace TransportGuard.Delivery;

/// <summary>
/// Delivery's seam for what the cluster knows of next hops (docs/architecture.md, Seams): a next hop that is a peer
/// declared down by its heartbeats is skipped while another host remains, so mail is routed around the dead node;
/// and a next hop that is a peer is told who we are with the cluster secret (docs/security.md).
/// </summary>
internal interface IHostAvailability
{
    bool IsDown(NextHopTarget target);

    /// <summary>How to prove ourselves to this next hop when it is a cluster peer; null for any other host.</summary>
    PeerLogin? LoginFor(NextHopTarget target);
}

/// <summary>Without peers no host is known down and none is a peer: every host is tried in order, as a stranger.</summary>
internal sealed class NoHostKnownDown : IHostAvailability
{
    public bool IsDown(NextHopTarget target) => false;

    public PeerLogin? LoginFor(NextHopTarget target) => null;
}
