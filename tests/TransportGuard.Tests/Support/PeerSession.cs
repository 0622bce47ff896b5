using System.Net;
using System.Security.Cryptography;
using System.Text;

namespace TransportGuard.Tests.Support;

/// <summary>
/// A test's side of peer authentication, written from docs/security.md rather than with the gateway's own code:
/// EHLO, STARTTLS, EHLO, XPEERAUTH for a nonce, XPEERAUTH with the proof, and a check of the server's proof.
/// </summary>
internal static class PeerSession
{
    /// <summary>The cluster secret every test cluster shares.</summary>
    public const string Secret = "test-cluster-secret-0123456789abcdef";

    /// <summary>The switches a test node needs to take part in a cluster.</summary>
    public static readonly string[] Args = ["--Cluster:Secret", Secret];

    public static readonly (string Key, string Value) Setting = ("Cluster:Secret", Secret);

    /// <summary>Connects as node <paramref name="nodeId"/> to node <paramref name="serverId"/>, authenticates, and
    /// greets again; the returned client is a peer session.</summary>
    public static async Task<RawSmtpClient> ConnectAsync(IPEndPoint endPoint, string nodeId, string serverId, string secret = Secret)
    {
        var client = await RawSmtpClient.ConnectGreetedAsync(endPoint, $"{nodeId}.test");
        var reply = await AuthenticateAsync(client, nodeId, serverId, secret);
        Assert.True(reply.Code == 235, $"XPEERAUTH answered {reply}");
        Assert.Equal(250, (await client.CommandAsync($"EHLO {nodeId}.test")).Code);
        return client;
    }

    /// <summary>STARTTLS and both XPEERAUTH steps on a greeted client; returns the final reply, its server proof checked when 235.</summary>
    public static async Task<RawSmtpClient.Reply> AuthenticateAsync(RawSmtpClient client, string nodeId, string serverId, string secret = Secret)
    {
        Assert.Equal(220, (await client.CommandAsync("STARTTLS")).Code);
        await client.StartTlsAsync();
        Assert.Equal(250, (await client.CommandAsync($"EHLO {nodeId}.test")).Code);
        var challenge = await client.CommandAsync($"XPEERAUTH {nodeId}");
        Assert.Equal(250, challenge.Code);
        var serverNonce = challenge.Last.Split(' ')[^1];
        var clientNonce = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        var certificate = Convert.ToHexStringLower(SHA256.HashData(client.ServerCertificate!));
        var proof = Proof(secret, "client", serverNonce, clientNonce, nodeId, serverId, certificate);
        var reply = await client.CommandAsync($"XPEERAUTH {nodeId} {clientNonce} {proof}");
        if (reply.Code == 235)
            Assert.Equal($"235 2.7.0 {serverId} {Proof(secret, "server", serverNonce, clientNonce, nodeId, serverId, certificate)}", reply.Last);
        return reply;
    }

    public static string Proof(string secret, string role, string serverNonce, string clientNonce, string clientId, string serverId, string certificate) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret),
            Encoding.UTF8.GetBytes($"transportguard-peer-v1\n{role}\n{serverNonce}\n{clientNonce}\n{clientId}\n{serverId}\n{certificate}")));
}
