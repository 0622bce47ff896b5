using System.Net;
using TransportGuard.Smtp.Cluster;
using TransportGuard.Smtp.Protocol;

namespace TransportGuard.Smtp.Transport;

/// <summary>
/// Which pool a session's slot comes from (docs/security.md, Peer sessions). A client takes a slot within the
/// client limits. A connection those limits or a drain would refuse may still come in on the peer pool's provisional
/// slots when this node has a cluster secret: it can greet, start TLS and authenticate within
/// <c>Cluster:AuthenticationTimeout</c>, and every other command gets the refusal it would have had at connect. A
/// session that authenticates as a peer moves to the peer pool (or keeps its client slot when that pool is full).
/// </summary>
internal sealed class SessionAdmission : IDisposable
{
    private readonly ConnectionLimiter _limiter;
    private readonly PeerSessionPool _peers;
    private readonly IPAddress _address;
    private Slot _slot;

    private enum Slot { None, Client, Provisional, Peer }

    private SessionAdmission(ConnectionLimiter limiter, PeerSessionPool peers, IPAddress address, Slot slot, SmtpReply? refusal)
    {
        (_limiter, _peers, _address, _slot) = (limiter, peers, address, slot);
        Refusal = refusal;
    }

    /// <summary>Until the session authenticates as a peer: what any command but EHLO, HELO, STARTTLS, XPEERAUTH,
    /// NOOP, RSET and QUIT is answered (and the session closed).</summary>
    public SmtpReply? Refusal { get; private set; }

    /// <summary>When a provisional session must have authenticated (it is closed then); null for the others.</summary>
    public TimeSpan? AuthenticateWithin => _slot == Slot.Provisional ? _peers.AuthenticationTimeout : null;

    /// <summary>The session's admission, or null with the reply to refuse the connection with.</summary>
    public static SessionAdmission? Admit(DrainState drain, ConnectionLimiter limiter, PeerSessionPool peers, ClusterIdentity cluster,
        IPAddress address, out SmtpReply? refusal)
    {
        refusal = drain.Draining ? DrainState.Refusal : limiter.TryAcquire(address);
        if (refusal is null)
            return new SessionAdmission(limiter, peers, address, Slot.Client, null);
        if (cluster.Secret is null || !peers.TryAcquireProvisional())
            return null;
        return new SessionAdmission(limiter, peers, address, Slot.Provisional, refusal);
    }

    /// <summary>The session proved itself a peer: it leaves the client limits (or the provisional slots) for the peer
    /// pool. False only for a provisional session when the peer pool is full; a client slot is kept instead.</summary>
    public bool BecomePeer()
    {
        if (_slot == Slot.Peer)
            return true;
        if (_peers.TryAcquireAuthenticated())
        {
            Release();
            _slot = Slot.Peer;
        }
        else if (_slot != Slot.Client)
        {
            return false;
        }
        Refusal = null;
        return true;
    }

    public void Dispose()
    {
        Release();
        _slot = Slot.None;
    }

    private void Release()
    {
        switch (_slot)
        {
            case Slot.Client: _limiter.Release(_address); break;
            case Slot.Provisional: _peers.ReleaseProvisional(); break;
            case Slot.Peer: _peers.ReleaseAuthenticated(); break;
        }
    }
}
