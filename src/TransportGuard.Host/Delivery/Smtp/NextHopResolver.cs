using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using TransportGuard.Delivery.Mx;
using TransportGuard.Delivery.Routing;

namespace TransportGuard.Delivery.Smtp;

internal sealed record NextHopTarget(string Name, IPEndPoint EndPoint);

/// <summary>The hosts to try for a job, in order, or why there are none (permanent for a domain that cannot
/// receive mail, transient for a DNS failure).</summary>
internal sealed record NextHops(IReadOnlyList<NextHopTarget> Targets, string Status = "", string Reason = "", bool Permanent = false);

/// <summary>Turns a route into endpoints: smart hosts in the order configured, or the domain's MX hosts.</summary>
internal sealed partial class NextHopResolver(MxResolver mx, IHostAvailability hosts, ILogger<NextHopResolver> logger)
{
    public async Task<NextHops> ResolveAsync(Route route, string destination, CancellationToken cancellationToken)
    {
        var hops = route switch
        {
            SmartHostRoute smart => await SmartHostsAsync(smart, cancellationToken),
            MxRoute mx => await MxHostsAsync(mx, destination, cancellationToken),
            _ => throw new ArgumentException($"{route} is not an SMTP route", nameof(route)),
        };
        if (hops.Targets.Count == 0)
            LogUnresolved(destination, hops.Status, hops.Reason);
        // A peer declared down (its shadows taken over) is skipped while another host remains (docs/protocol.md, Failure).
        var alive = hops.Targets.Where(t => !hosts.IsDown(t)).ToList();
        return alive.Count > 0 && alive.Count < hops.Targets.Count ? hops with { Targets = alive } : hops;
    }

    private static async Task<NextHops> SmartHostsAsync(SmartHostRoute route, CancellationToken cancellationToken)
    {
        var targets = new List<NextHopTarget>();
        var failures = new List<string>();
        foreach (var host in route.Hosts)
        {
            if (IPAddress.TryParse(host.Host, out var address))
            {
                targets.Add(new NextHopTarget(host.Host, new IPEndPoint(address, host.Port)));
                continue;
            }
            try
            {
                foreach (var resolved in await Dns.GetHostAddressesAsync(host.Host, cancellationToken))
                    targets.Add(new NextHopTarget(host.Host, new IPEndPoint(resolved, host.Port)));
            }
            catch (SocketException ex)
            {
                failures.Add($"{host.Host}: {ex.Message}");
            }
        }
        return targets.Count > 0 ? new NextHops(targets)
            : new NextHops([], "4.4.3", "no smart host resolved: " + string.Join("; ", failures));
    }

    [LoggerMessage(3000, LogLevel.Warning, "No next hop for {Destination}: {Status} {Reason}")]
    private partial void LogUnresolved(string destination, string status, string reason);
}
