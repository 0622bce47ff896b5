using System.Globalization;
using System.Net;
using DnsClient;
using DnsClient.Protocol;

namespace TransportGuard.Delivery.Mx;

public sealed record MxHost(string Name, int Preference, IReadOnlyList<IPAddress> Addresses);

/// <summary>The outcome of resolving a mail domain.</summary>
public abstract record MxResult
{
    /// <summary>The hosts to try, in order.</summary>
    public sealed record Found(IReadOnlyList<MxHost> Hosts) : MxResult;

    public sealed record Failed(string Status, string Reason, bool Permanent) : MxResult;
}

/// <summary>
/// Finds where mail for a domain goes (RFC 5321 section 5.1): its MX hosts by preference, equal preferences in
/// random order to spread load; the domain itself when it has no MX (the implicit MX); nowhere for a null MX
/// (RFC 7505). A domain that does not exist fails permanently; a DNS failure is only a deferral.
/// </summary>
public sealed class MxResolver(ILookupClient dns)
{
    private static readonly IdnMapping Idn = new();

    public static ILookupClient CreateClient(IReadOnlyList<string>? nameServers, TimeSpan timeout)
    {
        var options = nameServers is { Count: > 0 }
            ? new LookupClientOptions([.. nameServers.Select(s => new NameServer(WithDefaultPort(IPEndPoint.Parse(s))))])
            : new LookupClientOptions();
        options.Timeout = timeout;
        options.ThrowDnsErrors = false;
        options.UseCache = true;
        return new LookupClient(options);
    }

    private static IPEndPoint WithDefaultPort(IPEndPoint endPoint) => endPoint.Port == 0 ? new IPEndPoint(endPoint.Address, 53) : endPoint;

    public async Task<MxResult> ResolveAsync(string domain, CancellationToken cancellationToken)
    {
        if (AddressLiteral(domain) is { } literal)
            return new MxResult.Found([new MxHost(domain, 0, [literal])]); // RFC 5321 4.1.3: no lookup
        string ascii;
        try
        {
            ascii = Idn.GetAscii(domain.TrimEnd('.'));
        }
        catch (ArgumentException)
        {
            return new MxResult.Failed("5.1.2", $"'{domain}' is not a valid domain name", true);
        }
        try
        {
            var mx = await dns.QueryAsync(ascii, QueryType.MX, QueryClass.IN, cancellationToken);
            if (Failure(mx, ascii, "MX") is { } failed)
                return failed;
            var records = mx.Answers.MxRecords().ToList();
            if (records.Count == 1 && records[0].Exchange.Value is "." or "")
                return new MxResult.Failed("5.1.10", $"{ascii} does not accept mail (null MX, RFC 7505)", true);
            if (records.Count == 0)
                return await ImplicitAsync(ascii, cancellationToken);
            var hosts = new List<MxHost>();
            foreach (var group in records.GroupBy(r => r.Preference).OrderBy(g => g.Key))
            {
                foreach (var record in group.OrderBy(_ => Random.Shared.Next()))
                {
                    var name = record.Exchange.Value.TrimEnd('.');
                    if (hosts.Any(h => h.Name.Equals(name, StringComparison.OrdinalIgnoreCase)))
                        continue;
                    var addresses = await AddressesAsync(name, cancellationToken);
                    if (addresses.Count > 0)
                        hosts.Add(new MxHost(name, record.Preference, addresses));
                }
            }
            return hosts.Count > 0 ? new MxResult.Found(hosts)
                : new MxResult.Failed("4.4.3", $"no MX host of {ascii} has an address", false);
        }
        catch (DnsResponseException ex)
        {
            return new MxResult.Failed("4.4.3", $"DNS lookup for {ascii} failed: {ex.Message}", false);
        }
    }

    /// <summary>No MX: the domain itself, if it has an address (RFC 5321 5.1).</summary>
    private async Task<MxResult> ImplicitAsync(string domain, CancellationToken cancellationToken)
    {
        var addresses = await AddressesAsync(domain, cancellationToken);
        return addresses.Count > 0 ? new MxResult.Found([new MxHost(domain, 0, addresses)])
            : new MxResult.Failed("5.1.2", $"{domain} has neither MX nor address records", true);
    }

    private async Task<IReadOnlyList<IPAddress>> AddressesAsync(string host, CancellationToken cancellationToken)
    {
        var v4 = await dns.QueryAsync(host, QueryType.A, QueryClass.IN, cancellationToken);
        var v6 = await dns.QueryAsync(host, QueryType.AAAA, QueryClass.IN, cancellationToken);
        if (Transient(v4) && Transient(v6))
            throw new DnsResponseException($"address lookup for {host} failed: {v4.ErrorMessage}");
        return [.. v4.Answers.ARecords().Select(r => r.Address).Concat(v6.Answers.AaaaRecords().Select(r => r.Address)).Distinct()];
    }

    private static MxResult.Failed? Failure(IDnsQueryResponse response, string domain, string type) => response.Header.ResponseCode switch
    {
        DnsHeaderResponseCode.NoError => null,
        DnsHeaderResponseCode.NotExistentDomain => new MxResult.Failed("5.1.2", $"{domain} does not exist", true),
        _ => new MxResult.Failed("4.4.3", $"{type} lookup for {domain} failed: {response.ErrorMessage}", false),
    };

    private static bool Transient(IDnsQueryResponse response) =>
        response.Header.ResponseCode is not (DnsHeaderResponseCode.NoError or DnsHeaderResponseCode.NotExistentDomain);

    /// <summary>"[192.0.2.1]" or "[IPv6:2001:db8::1]".</summary>
    private static IPAddress? AddressLiteral(string domain)
    {
        if (domain.Length < 3 || domain[0] != '[' || domain[^1] != ']')
            return null;
        var inner = domain[1..^1];
        if (inner.StartsWith("IPv6:", StringComparison.OrdinalIgnoreCase))
            inner = inner[5..];
        return IPAddress.TryParse(inner, out var address) ? address : null;
    }
}
