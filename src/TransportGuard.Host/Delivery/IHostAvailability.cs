using System.Net;

namespace TransportGuard.Delivery;

/// <summary>
/// Delivery's seam for hosts known to be down (docs/architecture.md, Seams): a next hop that is a peer declared
/// down by its heartbeats is skipped while another host remains, so mail is routed around the dead node.
/// </summary>
internal interface IHostAvailability
{
    bool IsDown(IPEndPoint endPoint);
}

/// <summary>Without peers no host is known down: every host is tried in order.</summary>
internal sealed class NoHostKnownDown : IHostAvailability
{
    public bool IsDown(IPEndPoint endPoint) => false;
}
