using System.Security.Cryptography;
using System.Text;

namespace TransportGuard.Smtp.Cluster;

/// <summary>
/// The cluster's shared secret and the proofs made with it (docs/security.md, Peer authentication). A proof is an
/// HMAC-SHA256 over the whole exchange: a label for the side that makes it, the server's fresh nonce, the client's
/// nonce, both node ids and the SHA-256 of the server's TLS certificate. A transcript replayed to another session
/// meets another nonce; one relayed through a man in the middle names another certificate. Never logged.
/// </summary>
internal sealed class ClusterSecret(string secret)
{
    private readonly byte[] _key = Encoding.UTF8.GetBytes(secret);

    /// <summary>The verb both sides speak (docs/security.md, Peer authentication).</summary>
    public const string Verb = "XPEERAUTH";

    /// <summary>A nonce's length on the wire: 32 random bytes in hex.</summary>
    public const int NonceLength = 64;

    /// <summary>32 random bytes, hex: the server's challenge, and the client's own contribution.</summary>
    public static string NewNonce() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(NonceLength / 2));

    /// <summary>The SHA-256 of a DER certificate, hex.</summary>
    public static string CertificateHash(byte[] der) => Convert.ToHexStringLower(SHA256.HashData(der));

    public string Proof(PeerRole role, PeerExchange exchange)
    {
        var transcript = string.Join('\n', "transportguard-peer-v1", role == PeerRole.Client ? "client" : "server",
            exchange.ServerNonce, exchange.ClientNonce, exchange.ClientId, exchange.ServerId, exchange.CertificateHash);
        return Convert.ToHexStringLower(HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(transcript)));
    }

    /// <summary>Compared in constant time, so a proof cannot be found byte by byte.</summary>
    public bool Verify(PeerRole role, PeerExchange exchange, string presented) =>
        CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(presented), Encoding.ASCII.GetBytes(Proof(role, exchange)));

    public override string ToString() => "ClusterSecret(hidden)";
}

internal enum PeerRole { Client, Server }

/// <summary>What both sides of one peer authentication agree on; each proof covers all of it.</summary>
internal sealed record PeerExchange(string ServerNonce, string ClientNonce, string ClientId, string ServerId, string CertificateHash);

/// <summary>This node as a cluster member: its id, and the secret when it has one (no secret: no peer sessions).</summary>
internal sealed record ClusterIdentity(string NodeId, ClusterSecret? Secret);

/// <summary>How a client proves itself to one peer: our id, the peer's id, the secret (docs/protocol.md, XPEERAUTH).</summary>
internal sealed record PeerLogin(string NodeId, string PeerId, ClusterSecret Secret);
