using System.Net;
using DnsClient;
using DnsClient.Protocol;

namespace TransportGuard.Delivery.Mx;

internal sealed partial class MxResolver
{
    /// <summary>
    /// RFC 5321 5.1: lowest preference first; equal preferences shuffled ("the sender-SMTP MUST randomize them").
    /// A host without an address is skipped, as Postfix does, and so is one whose lookup failed, so long as another
    /// host can be reached; a host or address already listed is not listed again.
    /// </summary>
    private async Task<MxResult> MxHostsAsync(string domain, List<MxRecord> records, CancellationToken cancellationToken)
    {
        var shuffled = records.ToArray();
        Random.Shared.Shuffle(shuffled);
        var hosts = new List<MxHost>();
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var seen = new HashSet<IPAddress>();
        string? failure = null;
        foreach (var record in shuffled.OrderBy(r => r.Preference)) // a stable sort: the shuffle stands within a preference
        {
            var name = record.Exchange.Value.TrimEnd('.');
            // "." next to other MX records breaks RFC 7505 3; it names no host, so it is not looked up.
            if (name.Length == 0 || !names.Add(name))
                continue;
            var (addresses, error) = await AddressesAsync(name, cancellationToken);
            failure ??= error;
            var fresh = addresses.Where(seen.Add).ToList();
            if (fresh.Count > 0)
                hosts.Add(new MxHost(name, record.Preference, fresh));
        }
        if (hosts.Count > 0)
            return new MxResult.Found(hosts);
        // Hosts that exist without addresses are a fault in the domain's zone, usually mended: defer (RFC 3463 4.4.4
        // "unable to route", meant for persistent transient errors too) rather than bounce.
        return failure is not null
            ? new MxResult.Failed("4.4.3", failure, false)
            : new MxResult.Failed("4.4.4", $"no MX host of {domain} has an address", false);
    }

    /// <summary>RFC 5321 5.1: no MX records, so the domain itself is the MX, with preference 0.</summary>
    private async Task<MxResult> ImplicitMxAsync(string domain, CancellationToken cancellationToken)
    {
        var (addresses, error) = await AddressesAsync(domain, cancellationToken);
        if (addresses.Count > 0)
            return new MxResult.Found([new MxHost(domain, 0, addresses)]);
        return error is not null
            ? new MxResult.Failed("4.4.3", error, false)
            : new MxResult.Failed("5.1.2", $"{domain} has neither MX nor address records", true);
    }

    /// <summary>A addresses, then AAAA, without repeats; the error is the first lookup that failed, not merely found nothing.</summary>
    private async Task<(IReadOnlyList<IPAddress> Addresses, string? Error)> AddressesAsync(string host, CancellationToken cancellationToken)
    {
        var v4 = await LookupAsync(host, QueryType.A, cancellationToken);
        var v6 = await LookupAsync(host, QueryType.AAAA, cancellationToken);
        IReadOnlyList<IPAddress> addresses = [.. v4.Records.ARecords().Select(r => r.Address).Concat(v6.Records.AaaaRecords().Select(r => r.Address)).Distinct()];
        return (addresses, v4.Error ?? v6.Error);
    }
}
