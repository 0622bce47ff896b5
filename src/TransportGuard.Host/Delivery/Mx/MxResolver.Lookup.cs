using DnsClient;
using DnsClient.Protocol;

namespace TransportGuard.Delivery.Mx;

internal sealed partial class MxResolver
{
    /// <summary>One DNS answer reduced to what routing needs: records, "no such name", or why the lookup failed.</summary>
    private readonly record struct Lookup(IReadOnlyCollection<DnsResourceRecord> Records, bool NoSuchName, string? Error);

    private async Task<Lookup> LookupAsync(string name, QueryType type, CancellationToken cancellationToken)
    {
        try
        {
            var response = await dns.QueryAsync(name, type, QueryClass.IN, cancellationToken);
            return response.Header.ResponseCode switch
            {
                DnsHeaderResponseCode.NoError => new(response.Answers, false, null),
                DnsHeaderResponseCode.NotExistentDomain => new([], true, null),
                _ => new([], false, $"{type} lookup for {name} failed: {response.ErrorMessage}"),
            };
        }
        catch (DnsResponseException ex) when (ex.Code == DnsResponseCode.NotExistentDomain)
        {
            return new([], true, null); // how a client built with ThrowDnsErrors reports NXDOMAIN
        }
        catch (DnsResponseException ex)
        {
            // Timeouts and unreachable servers are thrown whatever ThrowDnsErrors says: temporary, RFC 3463 4.4.3.
            return new([], false, $"{type} lookup for {name} failed: {ex.Message}");
        }
    }
}
