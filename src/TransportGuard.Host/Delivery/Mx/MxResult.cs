namespace TransportGuard.Delivery.Mx;

/// <summary>The outcome of resolving a mail domain.</summary>
internal abstract record MxResult
{
    /// <summary>The hosts to try, in order (RFC 5321 5.1); no host and no address appears twice.</summary>
    public sealed record Found(IReadOnlyList<MxHost> Hosts) : MxResult;

    /// <summary>Nowhere to deliver: <paramref name="Status"/> is the RFC 3463 enhanced status for the DSN.</summary>
    public sealed record Failed(string Status, string Reason, bool Permanent) : MxResult;
}
