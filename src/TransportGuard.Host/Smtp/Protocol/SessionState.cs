namespace TransportGuard.Smtp.Protocol;

/// <summary>Where a session stands in the RFC 5321 command sequence (section 4.1.4).</summary>
internal enum SessionState
{
    /// <summary>Connected, no HELO/EHLO yet (also right after STARTTLS, RFC 3207 4.2).</summary>
    Connected,
    /// <summary>HELO/EHLO accepted, no mail transaction open.</summary>
    Greeted,
    /// <summary>MAIL accepted, no recipient yet.</summary>
    MailGiven,
    /// <summary>At least one RCPT accepted.</summary>
    RcptGiven,
    /// <summary>At least one BDAT chunk without LAST accepted (RFC 3030 2).</summary>
    ChunkingData,
}

/// <summary>What the table says about a verb in a state: allowed (and where success leads), or the refusal.</summary>
internal readonly record struct Transition(bool Allowed, SessionState Next, SmtpReply? Refusal)
{
    public static Transition To(SessionState next) => new(true, next, null);
    public static Transition Refuse(SmtpReply reply) => new(false, default, reply);
}
