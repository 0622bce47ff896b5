namespace TransportGuard.Delivery.Routing;

/// <summary>How an SMTP route treats STARTTLS (Postfix smtp_tls_security_level: none, may, encrypt, verify).</summary>
internal enum TlsMode
{
    /// <summary>Never start TLS.</summary>
    None,
    /// <summary>Start TLS when offered, accept any certificate (opportunistic, RFC 7435); the default.</summary>
    May,
    /// <summary>Refuse to send in the clear: a next hop that offers no STARTTLS gets a deferral.</summary>
    Encrypt,
    /// <summary>As Encrypt, and the certificate must validate for the host name.</summary>
    Verify,
}

internal readonly record struct HostPort(string Host, int Port)
{
    public override string ToString() => Host.Contains(':', StringComparison.Ordinal) ? $"[{Host}]:{Port}" : $"{Host}:{Port}";
}

/// <summary>A way out for mail (docs/architecture.md, Delivery/).</summary>
internal abstract record Route(string Spec)
{
    public override string ToString() => Spec;
}

/// <summary>Local delivery into a Maildir (the embedded default).</summary>
internal sealed record MaildirRoute(string Spec, string Path) : Route(Spec);

/// <summary>Smart hosts, tried in the order given.</summary>
internal sealed record SmartHostRoute(string Spec, IReadOnlyList<HostPort> Hosts, TlsMode Tls) : Route(Spec);

/// <summary>The recipient domain's MX hosts (RFC 5321 section 5).</summary>
internal sealed record MxRoute(string Spec, TlsMode Tls, int Port) : Route(Spec);
