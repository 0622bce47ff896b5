using TransportGuard.Smtp.Cluster;
using TransportGuard.Smtp.Protocol;
using TransportGuard.Smtp.Transport;

namespace TransportGuard.Smtp.Session;

/// <summary>
/// XPEERAUTH (docs/security.md, Peer authentication): a cluster node proves its id with the cluster secret, after
/// STARTTLS, in two steps. <c>XPEERAUTH &lt;id&gt;</c> gets a fresh nonce; <c>XPEERAUTH &lt;id&gt; &lt;client-nonce&gt;
/// &lt;proof&gt;</c> gets <c>235 2.7.0 &lt;our-id&gt; &lt;our-proof&gt;</c>, so the client knows us too. A wrong proof
/// closes the session. The session then is that peer's until it ends: the peer verbs, no relay restriction, its slot
/// in the peer pool. A node without a cluster secret does not know the verb.
/// </summary>
internal sealed partial class SmtpSession
{
    private readonly SessionAdmission? _admission;
    private string? _peerId;
    private (string Claim, string Nonce)? _challenge;
    private readonly long _admittedAt;

    /// <summary>Let in only to authenticate (SessionAdmission): the time it has left, whatever it sends; null for
    /// any other session.</summary>
    private TimeSpan? AuthenticationTimeLeft => _admission is { Refusal: not null, AuthenticateWithin: { } within }
        ? within - _services.Time.GetElapsedTime(_admittedAt) : null;

    /// <summary>How long to wait for the next command: the command timeout, or less for a provisional session.</summary>
    private TimeSpan CommandWait() => AuthenticationTimeLeft switch
    {
        null => _limits.CommandTimeout,
        { } left when left <= TimeSpan.Zero => TimeSpan.FromTicks(1),
        { } left => left < _limits.CommandTimeout ? left : _limits.CommandTimeout,
    };

    /// <summary>What a provisional session gets, and is closed after, for anything but greeting, TLS and
    /// authentication in time: the refusal it would have had at connect.</summary>
    private SmtpReply? ProvisionalRefusal(CommandInput input) =>
        _admission?.Refusal is { } refusal && (input.Error is not null || AuthenticationTimeLeft <= TimeSpan.Zero
            || input.Command is not (EhloCommand or HeloCommand or StartTlsCommand or NoopCommand or RsetCommand or QuitCommand
                or ExtensionCommand { Name: ClusterSecret.Verb }))
            ? refusal : null;

    private void ForgetPeer()
    {
        _peerId = null;
        _challenge = null;
    }

    private void PeerAuthenticate(ExtensionCommand command)
    {
        var args = command.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (_state != SessionState.Greeted)
        {
            RefuseCommand(SmtpReplies.BadSequence);
            return;
        }
        if (!_connection.IsSecure)
        {
            RefuseCommand(SmtpReplies.MustIssueStartTls); // the proof binds the TLS certificate, and peer traffic is encrypted
            return;
        }
        if (_peerId is not null)
        {
            RefuseCommand(new SmtpReply(503, "5.5.1", $"Error: already authenticated as {_peerId}"));
            return;
        }
        switch (args)
        {
            case [var claim]:
                _challenge = (claim, ClusterSecret.NewNonce());
                Reply(new SmtpReply(250, "2.0.0", $"NONCE {_challenge.Value.Nonce}"));
                return;
            case [var claim, var clientNonce, var proof] when _challenge is { } challenge && challenge.Claim == claim && clientNonce.Length == ClusterSecret.NonceLength:
                _challenge = null; // a nonce answers one proof
                Prove(claim, new PeerExchange(challenge.Nonce, clientNonce, claim, _services.Cluster.NodeId, ServerCertificateHash()), proof);
                return;
            default:
                RefuseCommand(SmtpReplies.SyntaxError($"{ClusterSecret.Verb} <node-id>, then {ClusterSecret.Verb} <node-id> <nonce> <proof>"));
                return;
        }
    }

    private void Prove(string claim, PeerExchange exchange, string proof)
    {
        var secret = _services.Cluster.Secret!;
        if (!secret.Verify(PeerRole.Client, exchange, proof))
        {
            LogPeerRefused(Id, ClientIp, claim);
            Reply(new SmtpReply(535, "5.7.8", "Authentication credentials invalid"));
            _closing = true;
            return;
        }
        if (_admission is not null && !_admission.BecomePeer()) // a peer that came on a client slot keeps it instead
        {
            LogPeerPoolFull(Id, claim);
            Reply(new SmtpReply(421, "4.7.0", "Error: too many peer sessions, try again later"));
            _closing = true;
            return;
        }
        _peerId = claim;
        LogPeerAuthenticated(Id, claim, ClientIp);
        Reply(new SmtpReply(235, "2.7.0", $"{exchange.ServerId} {secret.Proof(PeerRole.Server, exchange)}"));
    }

    private string ServerCertificateHash() => ClusterSecret.CertificateHash(_services.Tls.Certificate!.RawData); // secure: there is one
}
