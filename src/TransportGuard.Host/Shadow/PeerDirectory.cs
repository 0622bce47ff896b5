using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.Options;
using TransportGuard.Delivery;
using TransportGuard.Spool;

namespace TransportGuard.Shadow;

/// <summary>
/// The configured peers, who may use the inter-node verbs (by the address their connections come from), and which
/// of them are down right now (three failed heartbeats): delivery routes around those (docs/protocol.md).
/// </summary>
internal sealed class PeerDirectory(IOptions<ShadowOptions> options) : IHostAvailability
{
    private readonly ConcurrentDictionary<string, bool> _down = new(StringComparer.Ordinal);

    public string NodeId { get; } = options.Value.NodeId;
    public IReadOnlyList<Peer> Peers { get; } = options.Value.PeerList();

    /// <summary>The peer a connection comes from, or null: our peers connect from the address they listen on.</summary>
    public Peer? ByAddress(IPAddress address) =>
        Peers.FirstOrDefault(p => p.EndPoint.Address.Equals(address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address));

    public Peer? ById(string id) => Peers.FirstOrDefault(p => p.Id == id);

    public void MarkDown(string id) => _down[id] = true;
    public void MarkUp(string id) => _down.TryRemove(id, out _);
    public bool IsDown(string id) => _down.ContainsKey(id);

    /// <summary>Whether an SMTP endpoint is a peer we have declared down: delivery routes around it.</summary>
    public bool IsDown(IPEndPoint endPoint) => Peers.Any(p => p.EndPoint.Equals(endPoint) && IsDown(p.Id));

    /// <summary>The configured peer holding a shadow of this message, if any (a holder no longer configured is none).</summary>
    public string? HolderOf(SpooledEnvelope envelope, MessageProgress progress) =>
        progress.HolderOf(envelope) is { } holder && ById(holder) is not null ? holder : null;
}
