using DnsClient;
using TransportGuard.Delivery.Mx;
using TransportGuard.Tests.Support;

namespace TransportGuard.Tests.Delivery.Mx;

/// <summary>An MxResolver whose every query goes to the loopback server and nowhere else: no cache, no retries.</summary>
internal static class LoopbackResolver
{
    public static MxResolver For(LoopbackDnsServer dns, int timeoutMs = 2000, bool throwDnsErrors = false) =>
        new(new LookupClient(new LookupClientOptions(new NameServer(dns.EndPoint))
        {
            UseCache = false,
            Timeout = TimeSpan.FromMilliseconds(timeoutMs),
            Retries = 0,
            ThrowDnsErrors = throwDnsErrors,
        }));

    public static Task<MxResult> ResolveAsync(LoopbackDnsServer dns, string domain, int timeoutMs = 2000) =>
        For(dns, timeoutMs).ResolveAsync(domain, TestContext.Current.CancellationToken);

    public static MxResult.Found Found(MxResult result) => Assert.IsType<MxResult.Found>(result);

    public static (string Status, bool Permanent) Failure(MxResult result) =>
        Assert.IsType<MxResult.Failed>(result) is var failed ? (failed.Status, failed.Permanent) : default;
}
