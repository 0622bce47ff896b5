using TransportGuard.Configuration;

namespace TransportGuard.Smtp;

/// <summary>The server certificate for STARTTLS and implicit TLS (configuration section "Smtp:Tls").</summary>
internal sealed class TlsOptions : IValidatable
{
    public const string Section = "Smtp:Tls";

    /// <summary>A PEM certificate (with <see cref="KeyPath"/>) or a PKCS#12 file (with <see cref="Password"/>).</summary>
    public string? CertificatePath { get; set; }

    /// <summary>The PEM private key; when empty the key is looked for in <see cref="CertificatePath"/>.</summary>
    public string? KeyPath { get; set; }

    public string? Password { get; set; }

    /// <summary>With no certificate configured, generate a self-signed one so STARTTLS works out of the box
    /// (encryption without authentication, as opportunistic TLS between MTAs is, RFC 7435).</summary>
    public bool GenerateSelfSigned { get; set; } = true;

    public IEnumerable<string> Validate()
    {
        if (CertificatePath is not null && !File.Exists(CertificatePath))
            yield return $"{Section}:{nameof(CertificatePath)} names a file that does not exist ('{CertificatePath}')";
        if (KeyPath is not null && !File.Exists(KeyPath))
            yield return $"{Section}:{nameof(KeyPath)} names a file that does not exist ('{KeyPath}')";
    }
}
