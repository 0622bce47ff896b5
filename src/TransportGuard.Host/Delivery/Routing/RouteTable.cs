using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using TransportGuard.Smtp.Protocol;
using TransportGuard.Spool;

namespace TransportGuard.Delivery.Routing;

/// <summary>
/// Picks the route for each recipient by domain: an exact domain route, then the closest ".parent" route, then the
/// default (RelayTo's smart hosts, DefaultRoute, or the local Maildir).
/// </summary>
internal sealed class RouteTable
{
    private readonly Dictionary<string, Route> _domains = new(StringComparer.OrdinalIgnoreCase);
    private readonly IActiveServers _active;

    /// <summary>Each cluster server as a one-host smart-host route, made once: jobs are grouped by route and
    /// destination, so every recipient on the same active server must get the same route object.</summary>
    private readonly ConcurrentDictionary<(string Spec, HostPort Server), SmartHostRoute> _clusterServers = new();

    public RouteTable(IOptions<DeliveryOptions> options, IOptions<SpoolOptions> spool, IActiveServers? active = null)
    {
        _active = active ?? FirstServers.Instance;
        var configured = Configured(options.Value, spool.Value).ToList();
        Default = configured[0].Route;
        foreach (var (domain, route) in configured.Skip(1))
            _domains[domain] = route;
    }

    /// <summary>What <see cref="Configured"/> calls the default route.</summary>
    public const string DefaultName = "default";

    public Route Default { get; }

    /// <summary>Every route configured: the default first (named <see cref="DefaultName"/>), then each domain's by
    /// its key ("example.com", ".example.com"). Options are validated at start, so each parses.</summary>
    public static IEnumerable<(string Name, Route Route)> Configured(DeliveryOptions delivery, SpoolOptions spool)
    {
        yield return (DefaultName, Parse(delivery.RelayTo is not null ? "smtp:" + delivery.RelayTo
            : delivery.DefaultRoute ?? "maildir:" + Path.Combine(spool.DataDirectory, "mailbox")));
        foreach (var (domain, spec) in delivery.Routes ?? [])
            yield return (domain.TrimEnd('.'), Parse(spec));
    }

    public Route Resolve(string recipient)
    {
        var domain = MailboxSyntax.DomainOf(recipient); // the table ignores case: no lower-cased copy needed here
        if (_domains.TryGetValue(domain, out var exact) && !domain.StartsWith('.'))
            return exact;
        for (var dot = domain.IndexOf('.', StringComparison.Ordinal); dot >= 0; dot = domain.IndexOf('.', dot + 1))
            if (_domains.TryGetValue(domain[dot..], out var parent))
                return parent;
        return Default;
    }

    /// <summary>The recipient's route and destination: concurrency, connection reuse and duplicate detection go per
    /// destination, which is the route (a smart-host list, a Maildir), for MX the domain, and for a mailbox cluster
    /// its active server ("HOST:PORT"), delivered to as a smart host under the cluster's specification. So a
    /// failover's resubmit to the new active is not taken for a duplicate of the delivery to the old one, and a
    /// second delivery to the same active is (docs/dedup.md; docs/safetynet.md, Mailbox clusters).</summary>
    public (Route Route, string Destination) Target(string recipient) => Target(Resolve(recipient), recipient);

    /// <summary>As <see cref="Target(string)"/>, by <paramref name="routeSpec"/> instead when one is given (a Safety
    /// Net resubmit to another route, docs/safetynet.md).</summary>
    public (Route Route, string Destination) Target(string recipient, string? routeSpec) =>
        routeSpec is null ? Target(recipient) : Target(_overrides.GetOrAdd(routeSpec, Parse), recipient);

    private (Route Route, string Destination) Target(Route route, string recipient)
    {
        if (route is MailboxClusterRoute cluster)
        {
            var server = _active.ActiveOf(cluster);
            return (_clusterServers.GetOrAdd((cluster.Spec, server), key => new SmartHostRoute(key.Spec, [key.Server], cluster.Tls)), server.ToString());
        }
        return (route, route is MxRoute ? Domain(recipient) : route.Spec);
    }

    /// <summary>Whether a route spec parses (a resubmit-to given over the admin API).</summary>
    public static bool IsValid(string spec, out string error) => RouteParser.TryParse(spec, out _, out error);

    private readonly ConcurrentDictionary<string, Route> _overrides = new(StringComparer.Ordinal);

    /// <summary>The domain, lower-cased: the key MX destinations share concurrency and connections by.</summary>
    public static string Domain(string address) => MailboxSyntax.DomainOf(address).ToLowerInvariant();

    private static Route Parse(string spec) =>
        RouteParser.TryParse(spec, out var route, out var error) ? route : throw new InvalidOperationException(error);
}
