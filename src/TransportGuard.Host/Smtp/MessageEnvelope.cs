using TransportGuard.Smtp.Protocol;

namespace TransportGuard.Smtp;

internal sealed record EnvelopeRecipient(string Address, EsmtpParameters Parameters);

/// <summary>What the SMTP transaction established about a message, handed to the sink with its content.
/// <see cref="SessionItems"/> carries what extension verbs established in the session (for the store's receive gate
/// to read); the engine itself gives it no meaning.</summary>
internal sealed record MessageEnvelope(
    string ReversePath,
    IReadOnlyList<EnvelopeRecipient> Recipients,
    EsmtpParameters MailParameters,
    string ClientAddress,
    string HeloName,
    bool Secure,
    DateTimeOffset ReceivedAt,
    IReadOnlyDictionary<string, string>? SessionItems = null)
{
    /// <summary>The session's extension state (<see cref="SmtpSessionInfo.Items"/>) when no extension set any.</summary>
    public static readonly IReadOnlyDictionary<string, string> NoItems = new Dictionary<string, string>();

    public bool SmtpUtf8 => MailParameters.Contains("SMTPUTF8");
    public string Body => MailParameters["BODY"]?.ToUpperInvariant() ?? "7BIT";
}
