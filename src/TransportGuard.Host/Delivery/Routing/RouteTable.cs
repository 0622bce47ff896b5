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

    public RouteTable(IOptions<DeliveryOptions> options, IOptions<SpoolOptions> spool)
    {
        var delivery = options.Value;
        Default = Parse(delivery.RelayTo is not null ? "smtp:" + delivery.RelayTo
            : delivery.DefaultRoute ?? "maildir:" + Path.Combine(spool.Value.DataDirectory, "mailbox"));
        foreach (var (domain, spec) in delivery.Routes ?? [])
            _domains[domain.TrimEnd('.')] = Parse(spec);
    }

    public Route Default { get; }

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
    /// destination, which is the route (a smart-host list, a Maildir) or, for MX, the domain.</summary>
    public (Route Route, string Destination) Target(string recipient) => Target(Resolve(recipient), recipient);

    /// <summary>As <see cref="Target(string)"/>, by <paramref name="routeSpec"/> instead when one is given (a Safety
    /// Net resubmit to another route, docs/safetynet.md).</summary>
    public (Route Route, string Destination) Target(string recipient, string? routeSpec) =>
        routeSpec is null ? Target(recipient) : Target(_overrides.GetOrAdd(routeSpec, Parse), recipient);

    private static (Route Route, string Destination) Target(Route route, string recipient) =>
        (route, route is MxRoute ? Domain(recipient) : route.Spec);

    /// <summary>Whether a route spec parses (a resubmit-to given over the admin API).</summary>
    public static bool IsValid(string spec, out string error) => RouteParser.TryParse(spec, out _, out error);

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, Route> _overrides = new(StringComparer.Ordinal);

    /// <summary>The domain, lower-cased: the key MX destinations share concurrency and connections by.</summary>
    public static string Domain(string address) => MailboxSyntax.DomainOf(address).ToLowerInvariant();

    private static Route Parse(string spec) =>
        RouteParser.TryParse(spec, out var route, out var error) ? route : throw new InvalidOperationException(error);
}
