using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Options;

namespace TransportGuard.Smtp;

/// <summary>Supplies the server certificate: the configured one, or a self-signed one made at start.</summary>
internal sealed class TlsCertificateProvider
{
    private readonly Lazy<X509Certificate2?> _certificate;

    public TlsCertificateProvider(IOptions<TlsOptions> tls, IOptions<SmtpServerOptions> server)
    {
        _certificate = new Lazy<X509Certificate2?>(() => Load(tls.Value, server.Value.HostName));
    }

    /// <summary>Null when TLS is not available (no certificate and generation turned off).</summary>
    public X509Certificate2? Certificate => _certificate.Value;

    private static X509Certificate2? Load(TlsOptions options, string hostName)
    {
        if (options.CertificatePath is { } path)
        {
            return path.EndsWith(".pem", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".crt", StringComparison.OrdinalIgnoreCase)
                ? Reload(X509Certificate2.CreateFromPemFile(path, options.KeyPath))
                : X509CertificateLoader.LoadPkcs12FromFile(path, options.Password);
        }
        return options.GenerateSelfSigned ? GenerateSelfSigned(hostName) : null;
    }

    public static X509Certificate2 GenerateSelfSigned(string hostName)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={hostName}", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName(hostName);
        names.AddDnsName("localhost");
        names.AddIpAddress(System.Net.IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        var now = DateTimeOffset.UtcNow;
        using var certificate = request.CreateSelfSigned(now.AddDays(-1), now.AddYears(1));
        return Reload(certificate);
    }

    /// <summary>An in-memory key is not always usable by SslStream; a PKCS#12 round trip makes it so.</summary>
    private static X509Certificate2 Reload(X509Certificate2 certificate) =>
        X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), null);
}
