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

/// <summary>
/// A mailbox cluster: an active server and its standbys, in order (at least two, each once). Mail goes to the active
/// one only; a health check moves the route to a standby, and the Safety Net resubmits what was delivered in the
/// last <paramref name="Replay"/> before the last good contact with the old active (docs/safetynet.md, Mailbox clusters).
/// </summary>
internal sealed record MailboxClusterRoute(string Spec, IReadOnlyList<HostPort> Servers, TimeSpan Replay, TlsMode Tls) : Route(Spec)
{
    /// <summary>How far before the last good contact a failover's resubmit reaches when the route does not say.</summary>
    public static readonly TimeSpan DefaultReplay = TimeSpan.FromMinutes(10);
}
