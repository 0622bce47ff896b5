using System.Buffers;
using System.Text;
using System.Text.Unicode;

namespace TransportGuard.Smtp.Protocol;

/// <summary>
/// Parses one command line (without its CRLF) into an <see cref="SmtpCommand"/>. Synchronous, no I/O; the caller
/// has already bounded the line length, so copying a multi-segment line to the stack is safe.
/// </summary>
internal static class SmtpCommandParser
{
    private const int MaxStackLine = 4096;

    public static bool TryParse(in ReadOnlySequence<byte> line, out SmtpCommand? command, out SmtpReply? error)
    {
        if (line.IsSingleSegment)
            return TryParse(line.FirstSpan, out command, out error);
        if (line.Length > MaxStackLine)
        {
            command = null;
            error = SmtpReplies.LineTooLong;
            return false;
        }
        Span<byte> copy = stackalloc byte[(int)line.Length];
        line.CopyTo(copy);
        return TryParse(copy, out command, out error);
    }

    public static bool TryParse(ReadOnlySpan<byte> line, out SmtpCommand? command, out SmtpReply? error)
    {
        command = null;
        if (!Utf8.IsValid(line))
        {
            error = new SmtpReply(500, "5.5.2", "Error: command line is not valid UTF-8");
            return false;
        }
        return TryParse(Encoding.UTF8.GetString(line), out command, out error);
    }

    public static bool TryParse(string line, out SmtpCommand? command, out SmtpReply? error)
    {
        command = null;
        error = null;
        var space = line.IndexOf(' ', StringComparison.Ordinal);
        var verb = space < 0 ? line : line[..space];
        var args = space < 0 ? "" : line[(space + 1)..];
        if (verb.Length == 0)
        {
            error = SmtpReplies.UnrecognizedCommand;
            return false;
        }
        switch (verb.ToUpperInvariant())
        {
            case "EHLO": return TryParseHello(args, isEhlo: true, out command, out error);
            case "HELO": return TryParseHello(args, isEhlo: false, out command, out error);
            case "MAIL": return TryParseMail(args, out command, out error);
            case "RCPT": return TryParseRcpt(args, out command, out error);
            case "DATA": return NoArguments(args, new DataCommand(), "DATA", out command, out error);
            case "BDAT": return TryParseBdat(args, out command, out error);
            case "RSET": return NoArguments(args, new RsetCommand(), "RSET", out command, out error);
            case "STARTTLS": return NoArguments(args, new StartTlsCommand(), "STARTTLS", out command, out error);
            // RFC 5321 4.1.1.9/4.1.1.10: NOOP and QUIT arguments carry no meaning; accept and ignore them.
            case "NOOP": command = new NoopCommand(); return true;
            case "QUIT": command = new QuitCommand(); return true;
            case "HELP": command = new HelpCommand(args.Trim()); return true;
            case "VRFY":
                if (args.Trim().Length == 0)
                    return Fail(SmtpReplies.SyntaxError("VRFY address"), out error);
                command = new VrfyCommand(args.Trim());
                return true;
            default:
                if (!verb.All(char.IsAsciiLetterOrDigit))
                    return Fail(SmtpReplies.UnrecognizedCommand, out error);
                command = new ExtensionCommand(verb.ToUpperInvariant(), args);
                return true;
        }
    }

    private static bool TryParseHello(string args, bool isEhlo, out SmtpCommand? command, out SmtpReply? error)
    {
        command = null;
        error = null;
        // Like Postfix (smtpd_helo_required, strict_rfc821_envelopes = no) we take the first word and check only
        // that it is there: many real clients send a bare host name or an unbracketed address.
        var domain = args.Trim().Split(' ', 2)[0];
        if (domain.Length == 0 || domain.Length > MailboxSyntax.MaxDomainLength)
            return Fail(SmtpReplies.SyntaxError(isEhlo ? "EHLO hostname" : "HELO hostname"), out error);
        command = isEhlo ? new EhloCommand(domain) : new HeloCommand(domain);
        return true;
    }

    private static bool TryParseMail(string args, out SmtpCommand? command, out SmtpReply? error) =>
        TryParseEnvelope(args, "FROM:", allowNull: true, (path, p) => new MailCommand(path, p), out command, out error);

    private static bool TryParseRcpt(string args, out SmtpCommand? command, out SmtpReply? error) =>
        TryParseEnvelope(args, "TO:", allowNull: false, (path, p) => new RcptCommand(path, p), out command, out error);

    private static bool TryParseEnvelope(string args, string prefix, bool allowNull, Func<string, EsmtpParameters, SmtpCommand> create,
        out SmtpCommand? command, out SmtpReply? error)
    {
        command = null;
        if (!TryParsePathArgument(args, prefix, allowNull, out var path, out var parameters, out error))
            return false;
        command = create(path, parameters);
        return true;
    }

    /// <summary>Parses "FROM:&lt;path&gt; params" / "TO:&lt;path&gt; params" (RFC 5321 4.1.1.2, 4.1.1.3).</summary>
    private static bool TryParsePathArgument(string args, string prefix, bool allowNull, out string path,
        out EsmtpParameters parameters, out SmtpReply? error)
    {
        path = "";
        parameters = EsmtpParameters.None;
        error = null;
        var usage = prefix == "FROM:" ? "MAIL FROM:<address>" : "RCPT TO:<address>";
        if (!args.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            return Fail(SmtpReplies.SyntaxError(usage), out error);
        // Tolerate "MAIL FROM: <a@b>" as Postfix does; RFC 5321 has no space there, but clients send it.
        var rest = args[prefix.Length..].TrimStart(' ');
        if (!rest.StartsWith('<'))
            return Fail(SmtpReplies.SyntaxError(usage), out error);
        var close = FindPathEnd(rest);
        if (close < 0)
            return Fail(SmtpReplies.SyntaxError(usage), out error);
        var inner = StripSourceRoute(rest[1..close]);
        if (inner.Length == 0)
        {
            if (!allowNull)
                return Fail(SmtpReplies.SyntaxError(usage), out error);
        }
        else if (!(MailboxSyntax.IsValidMailbox(inner) || (!allowNull && inner.Equals("postmaster", StringComparison.OrdinalIgnoreCase))))
            return Fail(new SmtpReply(501, "5.1.7", $"Error: bad address syntax <{inner}>"), out error);
        if (!TryParseParameters(rest[(close + 1)..], out parameters, out error))
            return false;
        path = inner;
        return true;
    }

    /// <summary>The index of the '&gt;' that closes the path, skipping quoted local parts.</summary>
    private static int FindPathEnd(string value)
    {
        var quoted = false;
        for (var i = 1; i < value.Length; i++)
        {
            var c = value[i];
            if (quoted && c == '\\')
                i++;
            else if (c == '"')
                quoted = !quoted;
            else if (c == '>' && !quoted)
                return i;
        }
        return -1;
    }

    /// <summary>RFC 5321 4.1.2 / appendix C: a source route ("@a,@b:user@c") must be accepted and ignored.</summary>
    private static string StripSourceRoute(string inner)
    {
        if (!inner.StartsWith('@'))
            return inner;
        var colon = inner.IndexOf(':', StringComparison.Ordinal);
        return colon < 0 ? inner : inner[(colon + 1)..];
    }

    private static bool TryParseParameters(string text, out EsmtpParameters parameters, out SmtpReply? error)
    {
        parameters = EsmtpParameters.None;
        error = null;
        if (text.Length == 0)
            return true;
        if (text[0] != ' ')
            return Fail(SmtpReplies.SyntaxError("MAIL FROM:<address> [parameters]"), out error);
        var items = new List<KeyValuePair<string, string?>>();
        foreach (var token in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = token.IndexOf('=', StringComparison.Ordinal);
            var keyword = eq < 0 ? token : token[..eq];
            var value = eq < 0 ? null : token[(eq + 1)..];
            if (!IsEsmtpKeyword(keyword) || (value is not null && !IsEsmtpValue(value)))
                return Fail(SmtpReplies.BadParameter($"Error: bad parameter syntax \"{token}\""), out error);
            items.Add(new(keyword.ToUpperInvariant(), value));
        }
        parameters = new EsmtpParameters(items);
        return true;
    }

    /// <summary>esmtp-keyword = (ALPHA / DIGIT) *(ALPHA / DIGIT / "-").</summary>
    private static bool IsEsmtpKeyword(string keyword) =>
        keyword.Length > 0 && char.IsAsciiLetterOrDigit(keyword[0]) && keyword.All(c => char.IsAsciiLetterOrDigit(c) || c == '-');

    /// <summary>esmtp-value = 1*(%d33-60 / %d62-126), plus UTF-8 (RFC 6531 3.3).</summary>
    private static bool IsEsmtpValue(string value) =>
        value.Length > 0 && value.All(c => c >= 128 || (c >= 33 && c <= 126 && c != '='));

    private static bool TryParseBdat(string args, out SmtpCommand? command, out SmtpReply? error)
    {
        command = null;
        error = null;
        var parts = args.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length is 0 or > 2 || parts[0].Length > 18 || !parts[0].All(char.IsAsciiDigit)
            || (parts.Length == 2 && !parts[1].Equals("LAST", StringComparison.OrdinalIgnoreCase)))
            return Fail(SmtpReplies.SyntaxError("BDAT size [LAST]"), out error);
        command = new BdatCommand(long.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture), parts.Length == 2);
        return true;
    }

    private static bool NoArguments(string args, SmtpCommand parsed, string verb, out SmtpCommand? command, out SmtpReply? error)
    {
        command = null;
        error = null;
        if (args.Trim().Length != 0)
            return Fail(SmtpReplies.SyntaxError(verb), out error);
        command = parsed;
        return true;
    }

    private static bool Fail(SmtpReply reply, out SmtpReply? error)
    {
        error = reply;
        return false;
    }
}
