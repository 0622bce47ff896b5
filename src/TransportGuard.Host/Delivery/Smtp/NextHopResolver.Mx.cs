using TransportGuard.Delivery.Routing;

namespace TransportGuard.Delivery.Smtp;

public sealed partial class NextHopResolver
{
    private static Task<NextHops> MxHostsAsync(MxRoute route, string domain, CancellationToken cancellationToken) =>
        Task.FromResult(new NextHops([], "4.4.3", $"MX lookup for {domain} not available yet ({route})"));
}
