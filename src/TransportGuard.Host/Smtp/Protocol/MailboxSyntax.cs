namespace TransportGuard.Smtp.Protocol;

/// <summary>
/// RFC 5321 4.1.2 path syntax (Mailbox, Local-part, Domain, address-literal), widened by RFC 6531 3.3 to
/// UTF-8 in local parts and domains. Length limits per RFC 5321 4.5.3.1.
/// </summary>
internal static class MailboxSyntax
{
    public const int MaxLocalPartLength = 64;
    public const int MaxDomainLength = 255;
    public const int MaxPathLength = 256;

    /// <summary>Checks a mailbox "local@domain" (without angle brackets).</summary>
    public static bool IsValidMailbox(string mailbox)
    {
        if (mailbox.Length == 0 || mailbox.Length > MaxPathLength - 2)
            return false;
        var at = mailbox.LastIndexOf('@');
        if (at <= 0 || at == mailbox.Length - 1)
            return false;
        return IsValidLocalPart(mailbox[..at]) && IsValidDomainOrLiteral(mailbox[(at + 1)..]);
    }

    public static bool IsValidLocalPart(string local)
    {
        if (local.Length is 0 || System.Text.Encoding.UTF8.GetByteCount(local) > MaxLocalPartLength)
            return false;
        return local[0] == '"' ? IsQuotedString(local) : IsDotString(local);
    }

    /// <summary>Dot-string = Atom *("." Atom) (RFC 5321 4.1.2).</summary>
    private static bool IsDotString(string value)
    {
        var atomLength = 0;
        foreach (var c in value)
        {
            if (c == '.')
            {
                if (atomLength == 0)
                    return false;
                atomLength = 0;
            }
            else if (IsAtext(c))
                atomLength++;
            else
                return false;
        }
        return atomLength > 0;
    }

    /// <summary>Quoted-string = DQUOTE *QcontentSMTP DQUOTE; quoted-pairSMTP = "\" %d32-126.</summary>
    private static bool IsQuotedString(string value)
    {
        if (value.Length < 2 || value[^1] != '"')
            return false;
        for (var i = 1; i < value.Length - 1; i++)
        {
            var c = value[i];
            if (c == '\\')
            {
                i++;
                if (i >= value.Length - 1 || value[i] < 32 || value[i] > 126)
                    return false;
            }
            else if (c == '"' || (c < 128 && (c < 32 || c > 126)))
                return false;
        }
        return true;
    }

    public static bool IsValidDomainOrLiteral(string domain) =>
        AddressLiteral.IsLiteral(domain) ? AddressLiteral.Parse(domain) is not null : IsValidDomain(domain);

    /// <summary>Domain = sub-domain *("." sub-domain); sub-domain = Let-dig [Ldh-str]; U-labels allowed (RFC 6531).</summary>
    public static bool IsValidDomain(string domain)
    {
        if (domain.Length == 0 || System.Text.Encoding.UTF8.GetByteCount(domain) > MaxDomainLength)
            return false;
        foreach (var label in domain.Split('.'))
        {
            if (label.Length is 0 or > 63 || label[0] == '-' || label[^1] == '-')
                return false;
            foreach (var c in label)
                if (!(char.IsAsciiLetterOrDigit(c) || c == '-' || c >= 128))
                    return false;
        }
        return true;
    }

    /// <summary>atext of RFC 5322 3.2.3, plus any non-ASCII character (RFC 6531 3.3 UTF8-non-ascii).</summary>
    private static bool IsAtext(char c) =>
        char.IsAsciiLetterOrDigit(c) || c >= 128 || "!#$%&'*+-/=?^_`{|}~".Contains(c, StringComparison.Ordinal);

    /// <summary>The domain of a mailbox, or empty for "postmaster" without a domain.</summary>
    public static string DomainOf(string mailbox)
    {
        var at = mailbox.LastIndexOf('@');
        return at < 0 ? "" : mailbox[(at + 1)..];
    }
}
