using System.Net;
using Microsoft.Extensions.Options;

namespace TransportGuard.Smtp;

/// <summary>Decides whether a recipient may be accepted from a client: the no-open-relay rule.</summary>
internal sealed class RelayPolicy
{
    private readonly IPNetwork[] _networks;
    private readonly string[] _domains;

    public RelayPolicy(IOptions<RelayOptions> options)
    {
        _networks = [.. options.Value.EffectiveRelayNetworks.Select(n => IPNetwork.Parse(n))];
        _domains = [.. options.Value.EffectiveAcceptedDomains.Select(d => d.Trim().ToLowerInvariant())];
    }

    public bool MayRelay(IPAddress client)
    {
        if (client.IsIPv4MappedToIPv6)
            client = client.MapToIPv4();
        return _networks.Any(n => n.Contains(client));
    }

    public bool IsAcceptedDomain(string domain)
    {
        domain = domain.ToLowerInvariant();
        return _domains.Any(d => d.StartsWith('.') ? domain.EndsWith(d, StringComparison.Ordinal) || domain == d[1..] : domain == d);
    }

    /// <summary>RFC 5321 4.5.1: "postmaster" (without a domain) must always be accepted.</summary>
    public bool MayAccept(IPAddress client, string recipient)
    {
        var domain = Protocol.MailboxSyntax.DomainOf(recipient);
        return domain.Length == 0 || MayRelay(client) || IsAcceptedDomain(domain);
    }
}
