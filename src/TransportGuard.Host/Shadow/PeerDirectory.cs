using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;
using TransportGuard.Delivery;
using TransportGuard.Delivery.Routing;
using TransportGuard.Delivery.Smtp;
using TransportGuard.Smtp.Cluster;
using TransportGuard.Spool;

namespace TransportGuard.Shadow;

/// <summary>
/// The configured peers: how to reach each (its name resolved at every connection, so a moved peer is found again
/// after a failure), how to prove ourselves to it, which next hops are peers, and which peers are down right now
/// (three failed heartbeats): delivery routes around those (docs/protocol.md, docs/security.md).
/// </summary>
internal sealed class PeerDirectory(IOptions<ShadowOptions> options, ClusterIdentity cluster) : IHostAvailability
{
    private readonly ConcurrentDictionary<string, bool> _down = new(StringComparer.Ordinal);
    // The addresses each peer's name last resolved to: a next hop reached by address is recognised as that peer.
    private readonly ConcurrentDictionary<string, IPAddress[]> _resolved = new(StringComparer.Ordinal);

    public string NodeId { get; } = options.Value.NodeId;
    public IReadOnlyList<Peer> Peers { get; } = options.Value.PeerList();

    public Peer? ById(string id) => Peers.FirstOrDefault(p => p.Id == id);

    public void MarkDown(string id) => _down[id] = true;
    public void MarkUp(string id) => _down.TryRemove(id, out _);
    public bool IsDown(string id) => _down.ContainsKey(id);

    /// <summary>Whether a next hop is a peer we have declared down: delivery routes around it.</summary>
    public bool IsDown(NextHopTarget target) => At(target) is { } peer && IsDown(peer.Id);

    public PeerLogin? LoginFor(NextHopTarget target) => At(target) is { } peer ? LoginFor(peer) : null;

    public PeerLogin LoginFor(Peer peer) => new(NodeId, peer.Id, cluster.Secret
        ?? throw new InvalidOperationException("peers are configured without Cluster:Secret")); // validation rules this out

    /// <summary>The peer a next hop is: the same name, or an address that name resolved to, and the same port.</summary>
    private Peer? At(NextHopTarget target) => Peers.FirstOrDefault(p => p.Address.Port == target.EndPoint.Port
        && (string.Equals(p.Address.Host.TrimEnd('.'), target.Name.TrimEnd('.'), StringComparison.OrdinalIgnoreCase)
            || IPAddress.TryParse(p.Address.Host, out var literal) && Unmapped(literal).Equals(Unmapped(target.EndPoint.Address))
            || _resolved.TryGetValue(p.Id, out var addresses) && addresses.Contains(Unmapped(target.EndPoint.Address))));

    /// <summary>Opens an authenticated, encrypted session to a peer (its name resolved now).</summary>
    public async Task<SmtpClientConnection> ConnectAsync(Peer peer, SmtpClientProfile profile, SmtpClientTimeouts timeouts,
        TimeProvider time, CancellationToken cancellationToken)
    {
        var endPoint = await ResolveAsync(peer, cancellationToken);
        return await SmtpClientConnection.OpenAsync(peer.Address.Host, endPoint, profile with { Peer = LoginFor(peer) },
            TlsMode.Encrypt, timeouts, time, cancellationToken);
    }

    private async Task<IPEndPoint> ResolveAsync(Peer peer, CancellationToken cancellationToken)
    {
        if (IPAddress.TryParse(peer.Address.Host, out var literal))
            return new IPEndPoint(literal, peer.Address.Port);
        IPAddress[] addresses;
        try
        {
            addresses = await Dns.GetHostAddressesAsync(peer.Address.Host, cancellationToken);
        }
        catch (SocketException ex)
        {
            throw new SmtpOpenException(peer.ToString(), "4.4.3", $"cannot resolve peer {peer}: {ex.Message}");
        }
        if (addresses.Length == 0)
            throw new SmtpOpenException(peer.ToString(), "4.4.3", $"peer {peer} resolves to no address");
        _resolved[peer.Id] = [.. addresses.Select(Unmapped)];
        return new IPEndPoint(addresses.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork) ?? addresses[0], peer.Address.Port);
    }

    private static IPAddress Unmapped(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;

    /// <summary>The configured peer holding a shadow of this message, if any (a holder no longer configured is none).</summary>
    public string? HolderOf(SpooledEnvelope envelope, MessageProgress progress) =>
        progress.HolderOf(envelope) is { } holder && ById(holder) is not null ? holder : null;
}
