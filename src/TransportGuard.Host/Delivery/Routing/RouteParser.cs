using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace TransportGuard.Delivery.Routing;

/// <summary>
/// Parses route specifications: <c>maildir:PATH</c>, <c>smtp:HOST:PORT[,HOST:PORT...]</c> and <c>mx</c>, each
/// SMTP form with an optional <c>;tls=none|may|encrypt|verify</c> (default may).
/// </summary>
internal static class RouteParser
{
    public static bool TryParse(string spec, [NotNullWhen(true)] out Route? route, out string error)
    {
        route = null;
        error = "";
        var (body, tls, tlsError) = SplitTls(spec.Trim());
        if (tlsError is not null)
        {
            error = tlsError;
            return false;
        }
        if (body.StartsWith("maildir:", StringComparison.OrdinalIgnoreCase))
        {
            var path = body["maildir:".Length..];
            if (path.Length > 0)
                route = new MaildirRoute(spec, path);
            else
                error = "maildir: needs a directory";
        }
        else if (body.StartsWith("smtp:", StringComparison.OrdinalIgnoreCase))
        {
            var hosts = new List<HostPort>();
            foreach (var item in body["smtp:".Length..].Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                if (!TryParseHostPort(item, out var host))
                {
                    error = $"'{item}' is not HOST:PORT";
                    return false;
                }
                hosts.Add(host);
            }
            if (hosts.Count > 0)
                route = new SmartHostRoute(spec, hosts, tls);
            else
                error = "smtp: needs at least one HOST:PORT";
        }
        else if (body.Equals("mx", StringComparison.OrdinalIgnoreCase) || body.StartsWith("mx:", StringComparison.OrdinalIgnoreCase))
        {
            var port = 25;
            if (body.Length > 2 && !int.TryParse(body[3..], NumberStyles.None, CultureInfo.InvariantCulture, out port))
                error = "mx:PORT needs a port number";
            else
                route = new MxRoute(spec, tls, port);
        }
        else
        {
            error = "a route is maildir:PATH, smtp:HOST:PORT[,HOST:PORT...] or mx, optionally followed by ;tls=none|may|encrypt|verify";
        }
        return route is not null;
    }

    /// <summary>"host:port", "1.2.3.4:25" or "[::1]:25".</summary>
    public static bool TryParseHostPort(string value, out HostPort hostPort)
    {
        hostPort = default;
        var colon = value.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(value[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
            return false;
        var host = value[..colon];
        if (host.StartsWith('[') && host.EndsWith(']'))
            host = host[1..^1];
        else if (host.Contains(':', StringComparison.Ordinal))
            return false; // bare IPv6 needs brackets
        hostPort = new HostPort(host, port);
        return host.Length > 0;
    }

    private static (string Body, TlsMode Tls, string? Error) SplitTls(string spec)
    {
        var semicolon = spec.IndexOf(';', StringComparison.Ordinal);
        if (semicolon < 0)
            return (spec, TlsMode.May, null);
        var option = spec[(semicolon + 1)..].Trim();
        if (!option.StartsWith("tls=", StringComparison.OrdinalIgnoreCase) || !Enum.TryParse<TlsMode>(option[4..], ignoreCase: true, out var tls) || !Enum.IsDefined(tls))
            return (spec, TlsMode.May, $"'{option}' is not tls=none|may|encrypt|verify");
        return (spec[..semicolon], tls, null);
    }
}
