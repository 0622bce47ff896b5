namespace TransportGuard.Smtp.Protocol;

/// <summary>
/// The fixed replies of the engine, with the enhanced codes of RFC 3463 and the texts Postfix operators know.
/// Replies that carry values (queue id, host name, sizes) are built where they are used.
/// </summary>
internal static class SmtpReplies
{
    public static readonly SmtpReply Ok = new(250, "2.0.0", "Ok");
    public static readonly SmtpReply SenderOk = new(250, "2.1.0", "Ok");
    public static readonly SmtpReply RecipientOk = new(250, "2.1.5", "Ok");
    public static readonly SmtpReply ResetOk = new(250, "2.0.0", "Ok");
    public static readonly SmtpReply StartData = new(354, null, "End data with <CR><LF>.<CR><LF>");
    public static readonly SmtpReply ReadyToStartTls = new(220, "2.0.0", "Ready to start TLS");
    public static readonly SmtpReply CannotVerify = new(252, "2.0.0", "Cannot VRFY user, but will accept message and attempt delivery");
    public static readonly SmtpReply Help = new(214, "2.0.0", ["Commands: EHLO HELO MAIL RCPT DATA BDAT RSET NOOP QUIT VRFY HELP STARTTLS", "See RFC 5321"]);

    public static readonly SmtpReply BadSequence = new(503, "5.5.1", "Error: bad sequence of commands");
    public static readonly SmtpReply NeedHelo = new(503, "5.5.1", "Error: send HELO/EHLO first");
    public static readonly SmtpReply NeedMail = new(503, "5.5.1", "Error: need MAIL command");
    public static readonly SmtpReply NeedRcpt = new(503, "5.5.1", "Error: need RCPT command");
    public static readonly SmtpReply NestedMail = new(503, "5.5.1", "Error: nested MAIL command");
    public static readonly SmtpReply NoValidRecipients = new(554, "5.5.1", "Error: no valid recipients");
    public static readonly SmtpReply AlreadyTls = new(503, "5.5.1", "Error: TLS already active");
    public static readonly SmtpReply TlsNotAvailable = new(502, "5.5.1", "Error: command not implemented");
    public static readonly SmtpReply MustIssueStartTls = new(530, "5.7.0", "Must issue a STARTTLS command first");
    public static readonly SmtpReply TlsHandshakeFailed = new(454, "4.7.0", "TLS not available due to temporary reason");
    public static readonly SmtpReply UnrecognizedCommand = new(500, "5.5.1", "Error: command not recognized");
    public static readonly SmtpReply LineTooLong = new(500, "5.5.2", "Error: line too long");
    public static readonly SmtpReply BareLineEndingInCommand = new(500, "5.5.2", "Error: bare <CR> or <LF> received in command");
    public static readonly SmtpReply BareLineEndingInData = new(550, "5.5.2", "Error: bare <CR> or <LF> received in message data (RFC 5321 2.3.8)");
    public static readonly SmtpReply TextLineTooLong = new(550, "5.6.0", "Error: message line longer than 1000 octets (RFC 5321 4.5.3.1.6)");
    public static readonly SmtpReply BinaryNeedsBdat = new(503, "5.5.1", "Error: BODY=BINARYMIME requires BDAT, not DATA (RFC 3030 3)");
    public static readonly SmtpReply NonAsciiWithoutSmtpUtf8 = new(553, "5.6.7", "Error: non-ASCII address requires SMTPUTF8 (RFC 6531)");
    public static readonly SmtpReply MessageTooBig = new(552, "5.3.4", "Error: message size exceeds fixed maximum message size");
    public static readonly SmtpReply TooManyRecipients = new(452, "4.5.3", "Error: too many recipients");
    public static readonly SmtpReply TooManyErrors = new(421, "4.7.0", "Error: too many errors, closing connection");
    public static readonly SmtpReply TooManyConnections = new(421, "4.7.0", "Error: too many connections, try again later");
    public static readonly SmtpReply TooManyConnectionsFromClient = new(421, "4.7.0", "Error: too many connections from your address, try again later");
    public static readonly SmtpReply Timeout = new(421, "4.4.2", "Error: timeout exceeded, closing connection");
    public static readonly SmtpReply InternalError = new(421, "4.3.0", "Error: internal error, closing connection");
    public static readonly SmtpReply ShuttingDown = new(421, "4.3.2", "Service shutting down, closing connection");
    public static readonly SmtpReply InsufficientStorage = new(452, "4.3.1", "Insufficient system storage");
    public static readonly SmtpReply QueueWriteFailed = new(451, "4.3.0", "Error: queue file write error, try again later");
    public static readonly SmtpReply RelayDenied = new(554, "5.7.1", "Relay access denied");

    public static SmtpReply SyntaxError(string usage) => new(501, "5.5.4", $"Syntax: {usage}");
    public static SmtpReply BadParameter(string text) => new(555, "5.5.4", text);
    public static SmtpReply Queued(string queueId) => new(250, "2.0.0", $"Ok: queued as {queueId}");

    /// <summary>Accepted and not queued: every recipient already has this message (docs/dedup.md).</summary>
    public static SmtpReply AcceptedNotQueued(string why) => new(250, "2.0.0", $"Ok: {why}");
    public static SmtpReply Bye(string host) => new(221, "2.0.0", $"{host} closing connection");
}
