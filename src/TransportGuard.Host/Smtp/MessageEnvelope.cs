using TransportGuard.Smtp.Protocol;

namespace TransportGuard.Smtp;

public sealed record EnvelopeRecipient(string Address, EsmtpParameters Parameters);

/// <summary>What the SMTP transaction established about a message, handed to the sink with its content.</summary>
public sealed record MessageEnvelope(
    string ReversePath,
    IReadOnlyList<EnvelopeRecipient> Recipients,
    EsmtpParameters MailParameters,
    string ClientAddress,
    string HeloName,
    bool Secure,
    DateTimeOffset ReceivedAt,
    string? ShadowHolder = null,
    Spool.ShadowRef? ShadowOf = null)
{
    public bool SmtpUtf8 => MailParameters.Contains("SMTPUTF8");
    public string Body => MailParameters["BODY"]?.ToUpperInvariant() ?? "7BIT";
}
