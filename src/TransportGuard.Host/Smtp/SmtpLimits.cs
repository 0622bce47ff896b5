using TransportGuard.Configuration;

namespace TransportGuard.Smtp;

/// <summary>
/// Every client-controlled quantity the SMTP engine bounds, in one place (configuration section "Smtp:Limits").
/// Each default says where it comes from.
/// </summary>
internal sealed class SmtpLimits : IValidatable
{
    public const string Section = "Smtp:Limits";

    /// <summary>RFC 5321 4.5.3.1.4: a command line is at most 512 octets including CRLF.</summary>
    public int MaxCommandLineLength { get; set; } = 512;

    /// <summary>MAIL and RCPT lines carry ESMTP parameters, each of which may lengthen the line (RFC 1869 4.1.2).</summary>
    public int MaxEnvelopeCommandLineLength { get; set; } = 1024;

    /// <summary>RFC 5321 4.5.3.1.6: a text line is at most 1000 octets including CRLF.</summary>
    public int MaxTextLineLength { get; set; } = 1000;

    /// <summary>Counted while DATA/BDAT streams, not only from the SIZE parameter. 35 MiB, Exchange's default order of size.</summary>
    public long MaxMessageSize { get; set; } = 35 * 1024 * 1024;

    /// <summary>RFC 5321 4.5.3.1.8: at least 100 recipients must be accepted; more get 452 4.5.3.</summary>
    public int MaxRecipients { get; set; } = 100;

    /// <summary>Protocol errors before the session is closed with 421 4.7.0 (Postfix smtpd_hard_error_limit = 20).</summary>
    public int MaxBadCommands { get; set; } = 20;

    /// <summary>Concurrent sessions in total (Postfix's default process limit is 100; we are not process-bound).</summary>
    public int MaxSessions { get; set; } = 1000;

    /// <summary>Concurrent sessions per client address (Postfix smtpd_client_connection_count_limit = 50).</summary>
    public int MaxSessionsPerClient { get; set; } = 50;

    /// <summary>RFC 5321 4.5.3.2.7: the server waits at least 5 minutes for the next command.</summary>
    public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>RFC 5321 4.5.3.2.5: at least 3 minutes between blocks of message data.</summary>
    public TimeSpan DataBlockTimeout { get; set; } = TimeSpan.FromMinutes(3);

    /// <summary>A TLS handshake that takes longer than this is abandoned (not in RFC 3207; bounded like any read).</summary>
    public TimeSpan TlsHandshakeTimeout { get; set; } = TimeSpan.FromSeconds(30);

    public IEnumerable<string> Validate() => new[]
    {
        Check.Range($"{Section}:{nameof(MaxCommandLineLength)}", MaxCommandLineLength, 512, 4096),
        Check.Range($"{Section}:{nameof(MaxEnvelopeCommandLineLength)}", MaxEnvelopeCommandLineLength, MaxCommandLineLength, 4096),
        Check.Range($"{Section}:{nameof(MaxTextLineLength)}", MaxTextLineLength, 1000, 1024 * 1024),
        Check.Range($"{Section}:{nameof(MaxMessageSize)}", MaxMessageSize, 1024, 2L * 1024 * 1024 * 1024),
        Check.Range($"{Section}:{nameof(MaxRecipients)}", MaxRecipients, 1, 100_000),
        Check.Range($"{Section}:{nameof(MaxBadCommands)}", MaxBadCommands, 1, 10_000),
        Check.Range($"{Section}:{nameof(MaxSessions)}", MaxSessions, 1, 1_000_000),
        Check.Range($"{Section}:{nameof(MaxSessionsPerClient)}", MaxSessionsPerClient, 1, 1_000_000),
        Check.Positive($"{Section}:{nameof(CommandTimeout)}", CommandTimeout),
        Check.Positive($"{Section}:{nameof(DataBlockTimeout)}", DataBlockTimeout),
        Check.Positive($"{Section}:{nameof(TlsHandshakeTimeout)}", TlsHandshakeTimeout),
    }.OfType<string>();
}
