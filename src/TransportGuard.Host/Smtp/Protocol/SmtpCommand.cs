namespace TransportGuard.Smtp.Protocol;

/// <summary>The verbs the session state table knows. <see cref="Extension"/> covers verbs added by extensions (XSHADOW ...).</summary>
internal enum SmtpVerb { Ehlo, Helo, Mail, Rcpt, Data, Bdat, Rset, Noop, Quit, Vrfy, Help, StartTls, Extension }

/// <summary>A parsed command line. One record per verb (RFC 5321 4.1.1, RFC 3030, RFC 3207).</summary>
internal abstract record SmtpCommand(SmtpVerb Verb)
{
    /// <summary>The command in wire form, without CRLF; parsing it again yields an equal command.</summary>
    public abstract string ToWire();
}

internal sealed record EhloCommand(string Domain) : SmtpCommand(SmtpVerb.Ehlo)
{
    public override string ToWire() => $"EHLO {Domain}";
}

internal sealed record HeloCommand(string Domain) : SmtpCommand(SmtpVerb.Helo)
{
    public override string ToWire() => $"HELO {Domain}";
}

/// <summary>MAIL FROM. <see cref="ReversePath"/> is empty for the null path &lt;&gt; used by bounces.</summary>
internal sealed record MailCommand(string ReversePath, EsmtpParameters Parameters) : SmtpCommand(SmtpVerb.Mail)
{
    public override string ToWire() => $"MAIL FROM:<{ReversePath}>{Parameters.ToWire()}";
}

internal sealed record RcptCommand(string ForwardPath, EsmtpParameters Parameters) : SmtpCommand(SmtpVerb.Rcpt)
{
    public override string ToWire() => $"RCPT TO:<{ForwardPath}>{Parameters.ToWire()}";
}

internal sealed record DataCommand() : SmtpCommand(SmtpVerb.Data)
{
    public override string ToWire() => "DATA";
}

/// <summary>RFC 3030 BDAT: exactly <see cref="Size"/> octets follow the command line, no dot-stuffing.</summary>
internal sealed record BdatCommand(long Size, bool Last) : SmtpCommand(SmtpVerb.Bdat)
{
    public override string ToWire() => Last ? $"BDAT {Size} LAST" : $"BDAT {Size}";
}

internal sealed record RsetCommand() : SmtpCommand(SmtpVerb.Rset)
{
    public override string ToWire() => "RSET";
}

internal sealed record NoopCommand() : SmtpCommand(SmtpVerb.Noop)
{
    public override string ToWire() => "NOOP";
}

internal sealed record QuitCommand() : SmtpCommand(SmtpVerb.Quit)
{
    public override string ToWire() => "QUIT";
}

internal sealed record VrfyCommand(string Argument) : SmtpCommand(SmtpVerb.Vrfy)
{
    public override string ToWire() => $"VRFY {Argument}";
}

internal sealed record HelpCommand(string Topic) : SmtpCommand(SmtpVerb.Help)
{
    public override string ToWire() => Topic.Length == 0 ? "HELP" : $"HELP {Topic}";
}

internal sealed record StartTlsCommand() : SmtpCommand(SmtpVerb.StartTls)
{
    public override string ToWire() => "STARTTLS";
}

/// <summary>A verb the core engine does not know; an <c>ISmtpVerbExtension</c> may claim it, otherwise 500 5.5.1.</summary>
internal sealed record ExtensionCommand(string Name, string Arguments) : SmtpCommand(SmtpVerb.Extension)
{
    public override string ToWire() => Arguments.Length == 0 ? Name : $"{Name} {Arguments}";
}
