using TransportGuard.Smtp.Protocol;

namespace TransportGuard.Smtp;

/// <summary>
/// An SMTP service extension beyond the core verbs: the inter-node XSHADOW and XQUERYDISCARD plug in here.
/// An extension decides per session whether it is offered (e.g. only to configured peers); a verb no extension
/// offers is answered 500 5.5.1 like any unknown command.
/// </summary>
internal interface ISmtpExtension
{
    /// <summary>EHLO keywords to advertise in this session (none when the client may not use the extension).</summary>
    IEnumerable<string> EhloKeywords(SmtpSessionInfo session);

    /// <summary>Whether this extension takes the verb in this session.</summary>
    bool Accepts(string verb, SmtpSessionInfo session);

    ValueTask<SmtpReply> HandleAsync(ExtensionCommand command, SmtpSessionInfo session, CancellationToken cancellationToken);

    /// <summary>MAIL parameters this extension lets the session take (e.g. XSHADOWOF from a peer that said XSHADOW).</summary>
    IEnumerable<string> MailParameters(SmtpSessionInfo session) => [];
}

/// <summary>What an extension may know of the session it serves; <see cref="Items"/> lives as long as the session
/// (reset by EHLO and STARTTLS), for what an extension verb establishes. <see cref="PeerId"/> is the cluster node
/// the session proved itself to be (XPEERAUTH, docs/security.md), or null: never judged by address.</summary>
internal sealed record SmtpSessionInfo(string SessionId, System.Net.IPEndPoint Remote, string HeloName, bool Secure, IDictionary<string, string> Items, string? PeerId = null);
