using TransportGuard.Configuration;
using TransportGuard.Delivery.Routing;

namespace TransportGuard.Shadow;

/// <summary>
/// Node identity and shadow redundancy (configuration section "Shadow"; docs/protocol.md). Option names follow
/// Exchange's where the meaning is the same.
/// </summary>
internal sealed class ShadowOptions : IValidatable
{
    public const string Section = "Shadow";

    /// <summary>This node's id among its peers (<c>--node-id</c>); the machine name by default.</summary>
    public string NodeId { get; set; } = System.Net.Dns.GetHostName();

    /// <summary>Peers as ID@HOST:PORT (<c>--peer</c>, repeatable; HOST a DNS name or an address). Only these may use
    /// XSHADOW and XQUERYDISCARD, on a session that proved the id with the cluster secret (docs/security.md); anyone
    /// else is told the verbs do not exist.</summary>
    public string[]? Peers { get; set; }

    /// <summary>How often a holder asks each primary for discard notices (Exchange's default is minutes; ours is
    /// 300 ms because failover in about a second is the point, docs/protocol.md).</summary>
    public TimeSpan ShadowHeartbeatFrequency { get; set; } = TimeSpan.FromMilliseconds(300);

    /// <summary>Consecutive failed heartbeats after which the primary is declared down and its shadows taken over.</summary>
    public int ShadowHeartbeatRetryCount { get; set; } = 3;

    /// <summary>A shadow whose primary never sends a discard notice is dropped after this long.</summary>
    public TimeSpan ShadowMessageAutoDiscardInterval { get; set; } = TimeSpan.FromDays(2);

    /// <summary>Copy each message from a non-peer client to a peer before answering 250 (Exchange 2013 shadow
    /// redundancy). Applies only when peers are configured.</summary>
    public bool ShadowBeforeAck { get; set; } = true;

    /// <summary>Answer 451 4.4.0 when no peer takes the copy; by default the message is accepted and counted as not
    /// redundant (Exchange's default).</summary>
    public bool RejectMessageOnShadowFailure { get; set; }

    /// <summary>Peer ids in the order to try for shadow copies, e.g. a peer in another site first (Exchange's
    /// PreferRemote); all peers in configured order by default.</summary>
    public string[]? ShadowPeers { get; set; }

    /// <summary>How long one shadow copy may take before the next peer is tried.</summary>
    public TimeSpan ShadowCopyTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a restarted primary waits for a holder to say which of its messages it took over before it
    /// delivers them anyway (duplicate detection covers that case).</summary>
    public TimeSpan FencingTimeout { get; set; } = TimeSpan.FromSeconds(10);

    public IReadOnlyList<Peer> PeerList() =>
        [.. (Peers ?? []).Select(p => Peer.TryParse(p, out var peer) ? peer : null).OfType<Peer>().Where(p => p.Id != NodeId)];

    public IEnumerable<string> Validate()
    {
        if (string.IsNullOrWhiteSpace(NodeId) || NodeId.Any(c => char.IsWhiteSpace(c) || c is '@' or ','))
            yield return $"{Section}:{nameof(NodeId)} must be a name without spaces, '@' or ',' (got '{NodeId}')";
        foreach (var peer in Peers ?? [])
            if (!Peer.TryParse(peer, out _))
                yield return $"{Section}:{nameof(Peers)} holds '{peer}', which is not ID@HOST:PORT (HOST a DNS name or an IP address)";
        if (Check.Positive($"{Section}:{nameof(ShadowHeartbeatFrequency)}", ShadowHeartbeatFrequency) is { } frequency)
            yield return frequency;
        if (Check.Range($"{Section}:{nameof(ShadowHeartbeatRetryCount)}", ShadowHeartbeatRetryCount, 1, 100) is { } retries)
            yield return retries;
        if (Check.Positive($"{Section}:{nameof(ShadowMessageAutoDiscardInterval)}", ShadowMessageAutoDiscardInterval) is { } discard)
            yield return discard;
        if (Check.Positive($"{Section}:{nameof(FencingTimeout)}", FencingTimeout) is { } fencing)
            yield return fencing;
        if (Check.Positive($"{Section}:{nameof(ShadowCopyTimeout)}", ShadowCopyTimeout) is { } copy)
            yield return copy;
        foreach (var id in ShadowPeers ?? [])
            if (!PeerList().Any(p => p.Id == id))
                yield return $"{Section}:{nameof(ShadowPeers)} names '{id}', which is not a configured peer";
    }
}

/// <summary>A configured peer: its node id and where it listens for SMTP, by DNS name or IP address. Nothing about
/// its connections to us identifies it but its proof of the cluster secret (docs/security.md).</summary>
internal sealed record Peer(string Id, HostPort Address)
{
    public static bool TryParse(string spec, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Peer? peer)
    {
        peer = null;
        var at = spec.IndexOf('@', StringComparison.Ordinal);
        if (at <= 0 || !RouteParser.TryParseHostPort(spec[(at + 1)..].Trim(), out var address) || Uri.CheckHostName(address.Host) == UriHostNameType.Unknown)
            return false;
        peer = new Peer(spec[..at].Trim(), address);
        return true;
    }

    public override string ToString() => $"{Id}@{Address}";
}
