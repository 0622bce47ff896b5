using System.Net;
using TransportGuard.Delivery.Mx;
using TransportGuard.Delivery.Routing;

namespace TransportGuard.Delivery.Smtp;

internal sealed partial class NextHopResolver
{
    /// <summary>Every address of every MX host, in the resolver's order (RFC 5321 5.1: try each in turn).</summary>
    private async Task<NextHops> MxHostsAsync(MxRoute route, string domain, CancellationToken cancellationToken) =>
        await mx.ResolveAsync(domain, cancellationToken) switch
        {
            MxResult.Found found => new NextHops([.. found.Hosts.SelectMany(h => h.Addresses.Select(a => new NextHopTarget(h.Name, new IPEndPoint(a, route.Port))))]),
            MxResult.Failed failed => new NextHops([], failed.Status, failed.Reason, failed.Permanent),
            _ => throw new InvalidOperationException("unknown MX result"),
        };
}
