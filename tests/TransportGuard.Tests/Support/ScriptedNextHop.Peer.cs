using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace TransportGuard.Tests.Support;

internal sealed partial class ScriptedNextHop
{
    /// <summary>A scripted next hop's side of peer authentication (docs/security.md), written from the document.</summary>
    private sealed class PeerSide(string? peerId)
    {
        private static readonly Lazy<X509Certificate2> Certificate = new(MakeCertificate);
        private string? _nonce;
        private bool _authenticated;

        public IEnumerable<string> Keywords(Stream stream) => peerId is null ? [] : stream is SslStream ? (_authenticated ? ["XSHADOW"] : []) : ["STARTTLS"];

        public static async Task<Stream> StartTlsAsync(Stream stream)
        {
            var ssl = new SslStream(stream, leaveInnerStreamOpen: false);
            await ssl.AuthenticateAsServerAsync(Certificate.Value);
            return ssl;
        }

        public string Authenticate(string line, Stream stream)
        {
            var args = line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1..];
            if (stream is not SslStream)
                return "530 5.7.0 Must issue a STARTTLS command first";
            if (args.Length == 1)
            {
                _nonce = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
                return $"250 2.0.0 NONCE {_nonce}";
            }
            var certificate = Convert.ToHexStringLower(SHA256.HashData(Certificate.Value.RawData));
            if (args.Length != 3 || _nonce is null || args[2] != PeerSession.Proof(PeerSession.Secret, "client", _nonce, args[1], args[0], peerId!, certificate))
                return "535 5.7.8 Authentication credentials invalid";
            _authenticated = true;
            return $"235 2.7.0 {peerId} {PeerSession.Proof(PeerSession.Secret, "server", _nonce, args[1], args[0], peerId!, certificate)}";
        }

        private static X509Certificate2 MakeCertificate()
        {
            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var request = new CertificateRequest("CN=nexthop.test", key, HashAlgorithmName.SHA256);
            using var made = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
            return X509CertificateLoader.LoadPkcs12(made.Export(X509ContentType.Pkcs12), null); // with its key usable by SslStream on Linux
        }
    }
}
