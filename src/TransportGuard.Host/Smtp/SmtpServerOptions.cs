using TransportGuard.Configuration;

namespace TransportGuard.Smtp;

/// <summary>The SMTP listeners and the name the server gives itself (configuration section "Smtp").</summary>
internal sealed class SmtpServerOptions : IValidatable
{
    public const string Section = "Smtp";

    /// <summary>Plain SMTP listeners (STARTTLS offered when a certificate is available), comma-separated HOST:PORT.</summary>
    public string Listen { get; set; } = "127.0.0.1:2525";

    /// <summary>Implicit-TLS listeners (RFC 8314 submissions style), comma-separated HOST:PORT; none by default.</summary>
    public string? ImplicitTlsListen { get; set; }

    /// <summary>The name in the greeting, EHLO reply and Received headers.</summary>
    public string HostName { get; set; } = System.Net.Dns.GetHostName();

    /// <summary>Refuse MAIL until the session is encrypted (530 5.7.0); off by default like Postfix's "may" level.</summary>
    public bool RequireTls { get; set; }

    /// <summary>How long running sessions get to finish when the gateway stops before they are told 421 4.3.2.</summary>
    public TimeSpan ShutdownGrace { get; set; } = TimeSpan.FromSeconds(10);

    public IEnumerable<string> ListenEndpoints() => Check.EndpointList(Listen);
    public IEnumerable<string> ImplicitTlsEndpoints() => Check.EndpointList(ImplicitTlsListen);

    public IEnumerable<string> Validate()
    {
        foreach (var error in Check.Endpoints($"{Section}:{nameof(Listen)}", Listen).Concat(Check.Endpoints($"{Section}:{nameof(ImplicitTlsListen)}", ImplicitTlsListen)))
            yield return error;
        if (!ListenEndpoints().Any() && !ImplicitTlsEndpoints().Any())
            yield return $"{Section}:{nameof(Listen)} must name at least one HOST:PORT";
        if (string.IsNullOrWhiteSpace(HostName) || HostName.Contains(' ', StringComparison.Ordinal))
            yield return $"{Section}:{nameof(HostName)} must be a host name without spaces (got '{HostName}')";
        if (Check.Positive($"{Section}:{nameof(ShutdownGrace)}", ShutdownGrace) is { } grace)
            yield return grace;
    }
}
