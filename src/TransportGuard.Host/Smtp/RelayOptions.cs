using System.Net;
using TransportGuard.Configuration;

namespace TransportGuard.Smtp;

/// <summary>
/// Who may relay (configuration section "Smtp:Relay"). No open relay: clients inside <see cref="RelayNetworks"/>
/// may send anywhere (Postfix mynetworks); everyone else only to <see cref="AcceptedDomains"/>.
/// </summary>
internal sealed class RelayOptions : IValidatable
{
    public const string Section = "Smtp:Relay";

    private static readonly string[] DefaultRelayNetworks = ["127.0.0.0/8", "::1/128"];

    /// <summary>CIDR networks allowed to relay; default loopback only. (Arrays default to null because the
    /// configuration binder appends to, rather than replaces, a pre-filled collection.)</summary>
    public string[]? RelayNetworks { get; set; }

    /// <summary>Domains we accept mail for from anyone; ".example.com" also matches its subdomains.</summary>
    public string[]? AcceptedDomains { get; set; }

    public IReadOnlyList<string> EffectiveRelayNetworks => RelayNetworks ?? DefaultRelayNetworks;
    public IReadOnlyList<string> EffectiveAcceptedDomains => AcceptedDomains ?? [];

    public IEnumerable<string> Validate()
    {
        foreach (var network in EffectiveRelayNetworks)
            if (!IPNetwork.TryParse(network, out _))
                yield return $"{Section}:{nameof(RelayNetworks)} holds '{network}', which is not a CIDR network (e.g. 10.0.0.0/8)";
        foreach (var domain in EffectiveAcceptedDomains)
            if (string.IsNullOrWhiteSpace(domain) || domain.Contains('@', StringComparison.Ordinal))
                yield return $"{Section}:{nameof(AcceptedDomains)} holds '{domain}', which is not a domain";
    }
}
