using System.Net;
using TransportGuard.Smtp.Cluster;
using TransportGuard.Smtp.Protocol;

namespace TransportGuard.Smtp.Transport;

/// <summary>
/// Which pool a session's slot comes from (docs/security.md, Peer sessions). A client takes a slot within the
/// client limits. A connection those limits or a drain would refuse may still come in on the peer pool when this
/// node has a cluster secret: it can greet, start TLS and authenticate, and every other command gets the refusal it
/// would have had at connect. A session that authenticates as a peer moves to the peer pool.
/// </summary>
internal sealed class SessionAdmission : IDisposable
{
    private readonly ConnectionLimiter _limiter;
    private readonly PeerSessionPool _peers;
    private readonly IPAddress _address;
    private bool _clientSlot;
    private bool _peerSlot;

    private SessionAdmission(ConnectionLimiter limiter, PeerSessionPool peers, IPAddress address, bool clientSlot, bool peerSlot, SmtpReply? refusal)
    {
        (_limiter, _peers, _address, _clientSlot, _peerSlot) = (limiter, peers, address, clientSlot, peerSlot);
        Refusal = refusal;
    }

    /// <summary>Until the session authenticates as a peer: what any command but EHLO, HELO, STARTTLS, XPEERAUTH,
    /// NOOP, RSET and QUIT is answered (and the session closed).</summary>
    public SmtpReply? Refusal { get; private set; }

    /// <summary>The session's admission, or null with the reply to refuse the connection with.</summary>
    public static SessionAdmission? Admit(DrainState drain, ConnectionLimiter limiter, PeerSessionPool peers, ClusterIdentity cluster,
        IPAddress address, out SmtpReply? refusal)
    {
        refusal = drain.Draining ? DrainState.Refusal : limiter.TryAcquire(address);
        if (refusal is null)
            return new SessionAdmission(limiter, peers, address, clientSlot: true, peerSlot: false, null);
        if (cluster.Secret is null || !peers.TryAcquire())
            return null;
        return new SessionAdmission(limiter, peers, address, clientSlot: false, peerSlot: true, refusal);
    }

    /// <summary>An admission outside any pool, for sessions the listener did not accept (tests, tools).</summary>
    public static SessionAdmission Unlimited(ConnectionLimiter limiter, PeerSessionPool peers) =>
        new(limiter, peers, IPAddress.None, clientSlot: false, peerSlot: false, null);

    /// <summary>The session proved itself a peer: it leaves the client limits for the peer pool, or false when the
    /// peer pool is full.</summary>
    public bool BecomePeer()
    {
        if (!_peerSlot)
        {
            if (!_peers.TryAcquire())
                return false;
            _peerSlot = true;
        }
        if (_clientSlot)
        {
            _limiter.Release(_address);
            _clientSlot = false;
        }
        Refusal = null;
        return true;
    }

    public void Dispose()
    {
        if (_clientSlot)
            _limiter.Release(_address);
        if (_peerSlot)
            _peers.Release();
        _clientSlot = _peerSlot = false;
    }
}
