using System.Net;
using System.Net.Sockets;

namespace TransportGuard.Smtp.Protocol;

/// <summary>
/// The RFC 5321 4.1.3 address literals a mail domain may be: "[192.0.2.1]" (four decimal Snum) or
/// "[IPv6:2001:db8::1]". Parsed strictly: IPAddress.TryParse alone would also take "[127.1]", "[::1]" without its tag
/// and scope ids ("%eth0"), none of which the grammar allows. General-address-literals (other tags) are not supported.
/// One parser for both ends: what RCPT accepts is what delivery can reach.
/// </summary>
internal static class AddressLiteral
{
    private const string Ipv6Tag = "IPv6:";

    public static bool IsLiteral(string domain) => domain.StartsWith('[');

    public static IPAddress? Parse(string domain)
    {
        if (domain.Length < 3 || domain[0] != '[' || domain[^1] != ']')
            return null;
        var inner = domain[1..^1];
        if (inner.Contains('%', StringComparison.Ordinal))
            return null;
        if (inner.StartsWith(Ipv6Tag, StringComparison.OrdinalIgnoreCase))
            return IPAddress.TryParse(inner.AsSpan(Ipv6Tag.Length), out var v6) && v6.AddressFamily == AddressFamily.InterNetworkV6 ? v6 : null;
        return IsDottedQuad(inner) && IPAddress.TryParse(inner, out var v4) ? v4 : null;
    }

    /// <summary>Snum 3("." Snum), Snum = 1*3DIGIT; TryParse then rejects values over 255.</summary>
    private static bool IsDottedQuad(string text)
    {
        var parts = text.Split('.');
        return parts.Length == 4 && parts.All(p => p.Length is >= 1 and <= 3 && p.All(char.IsAsciiDigit));
    }
}
