using System.Globalization;
using System.Net;
using DnsClient;
using DnsClient.Protocol;
using TransportGuard.Smtp.Protocol;

namespace TransportGuard.Delivery.Mx;

/// <summary>
/// Finds where mail for a domain goes (RFC 5321 section 5.1): its MX hosts by preference, equal preferences in
/// random order to spread load; the domain itself when it has no MX (the implicit MX); nowhere for a null MX
/// (RFC 7505). A domain that does not exist fails permanently; a DNS failure is only a deferral (RFC 3463 4.4.3).
/// </summary>
internal sealed partial class MxResolver(ILookupClient dns)
{
    /// <summary>Builds the production client: the system's resolvers, or the given ones ("127.0.0.1:5353", port 53 if none).</summary>
    public static ILookupClient CreateClient(IReadOnlyList<string>? nameServers, TimeSpan timeout)
    {
        var options = nameServers is { Count: > 0 }
            ? new LookupClientOptions([.. nameServers.Select(s => new NameServer(WithDefaultPort(IPEndPoint.Parse(s))))])
            : new LookupClientOptions();
        options.Timeout = timeout;
        options.ThrowDnsErrors = false;
        options.UseCache = true; // DnsClient keeps answers for their TTL: a queue run asks once per domain, not per message
        return new LookupClient(options);
    }

    private static IPEndPoint WithDefaultPort(IPEndPoint endPoint) => endPoint.Port == 0 ? new IPEndPoint(endPoint.Address, 53) : endPoint;

    public async Task<MxResult> ResolveAsync(string domain, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(domain);
        if (AddressLiteral.IsLiteral(domain))
        {
            // RFC 5321 4.1.3: no lookup. The name is the address text, as for a smart host given by address, since
            // it becomes the TLS target host and "[192.0.2.1]" is not a host name.
            return AddressLiteral.Parse(domain) is { } address
                ? new MxResult.Found([new MxHost(address.ToString(), 0, [address])])
                : new MxResult.Failed("5.1.2", $"'{domain}' is not a valid address literal", true);
        }
        if (ToAscii(domain) is not { } ascii)
            return new MxResult.Failed("5.1.2", $"'{domain}' is not a valid domain name", true);

        var mx = await LookupAsync(ascii, QueryType.MX, cancellationToken);
        if (mx.NoSuchName)
            return new MxResult.Failed("5.1.2", $"{ascii} does not exist", true);
        if (mx.Error is { } error)
            return new MxResult.Failed("4.4.3", error, false);
        var records = mx.Records.MxRecords().ToList();
        if (records is [{ Preference: 0 } only] && IsRoot(only.Exchange))
            return new MxResult.Failed("5.1.10", $"{ascii} does not accept mail (null MX, RFC 7505)", true);
        return records.Count == 0
            ? await ImplicitMxAsync(ascii, cancellationToken)
            : await MxHostsAsync(ascii, records, cancellationToken);
    }

    /// <summary>
    /// SMTPUTF8 domains are asked in A-labels (RFC 6531 3.2, RFC 5890); a name IDNA rejects (empty, a label over 63
    /// octets, bad punycode) cannot be delivered to.
    /// </summary>
    private static string? ToAscii(string domain)
    {
        try
        {
            // A fresh IdnMapping per call: its instance members are not documented as thread-safe.
            return new IdnMapping().GetAscii(domain.TrimEnd('.'));
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    private static bool IsRoot(DnsString name) => name.Value is "." or "";
}
