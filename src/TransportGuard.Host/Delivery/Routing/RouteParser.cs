using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace TransportGuard.Delivery.Routing;

/// <summary>
/// Parses route specifications: <c>maildir:PATH</c>, <c>smtp:HOST:PORT[,HOST:PORT...]</c>, <c>mx</c> and
/// <c>cluster:HOST:PORT,HOST:PORT[,...]</c>, each SMTP form with options after semicolons, in any order:
/// <c>;tls=none|may|encrypt|verify</c> (default may), and for a cluster <c>;replay=DURATION</c> (30s, 10m, 2h, 1d;
/// default 10m, docs/safetynet.md, Mailbox clusters).
/// </summary>
internal static class RouteParser
{
    private const string Forms = "a route is maildir:PATH, smtp:HOST:PORT[,HOST:PORT...], mx or cluster:HOST:PORT,HOST:PORT[,...], "
        + "optionally followed by ;tls=none|may|encrypt|verify (and for a cluster ;replay=DURATION)";

    public static bool TryParse(string spec, [NotNullWhen(true)] out Route? route, out string error)
    {
        route = null;
        if (!TrySplitOptions(spec.Trim(), out var body, out var options, out error))
            return false;
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
            if (!TryParseHostList(body["smtp:".Length..], out var hosts, out error))
                return false;
            if (hosts.Count > 0)
                route = new SmartHostRoute(spec, hosts, options.Tls);
            else
                error = "smtp: needs at least one HOST:PORT";
        }
        else if (body.StartsWith("cluster:", StringComparison.OrdinalIgnoreCase))
        {
            if (!TryParseHostList(body["cluster:".Length..], out var servers, out error))
                return false;
            if (servers.Count < 2)
                error = "cluster: needs an active server and at least one standby, HOST:PORT,HOST:PORT";
            else if (servers.GroupBy(s => s.ToString(), StringComparer.OrdinalIgnoreCase).FirstOrDefault(g => g.Count() > 1) is { } twice)
                error = $"cluster: lists {twice.Key} more than once"; // each server has its own health
            else
                route = new MailboxClusterRoute(spec, servers, options.Replay ?? MailboxClusterRoute.DefaultReplay, options.Tls);
        }
        else if (body.Equals("mx", StringComparison.OrdinalIgnoreCase) || body.StartsWith("mx:", StringComparison.OrdinalIgnoreCase))
        {
            var port = 25;
            if (body.Length > 2 && !int.TryParse(body[3..], NumberStyles.None, CultureInfo.InvariantCulture, out port))
                error = "mx:PORT needs a port number";
            else
                route = new MxRoute(spec, options.Tls, port);
        }
        else
        {
            error = Forms;
        }
        if (route is not null and not MailboxClusterRoute && options.Replay is not null)
        {
            route = null;
            error = "replay= is an option of cluster: routes only";
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

    /// <summary>A whole number of seconds, minutes, hours or days: "30s", "10m", "2h", "1d".</summary>
    public static bool TryParseDuration(string value, out TimeSpan duration)
    {
        duration = default;
        if (value.Length < 2 || !long.TryParse(value.AsSpan(0, value.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var count)
            || count > 36_500)
            return false;
        TimeSpan? unit = char.ToLowerInvariant(value[^1]) switch
        {
            's' => TimeSpan.FromSeconds(1),
            'm' => TimeSpan.FromMinutes(1),
            'h' => TimeSpan.FromHours(1),
            'd' => TimeSpan.FromDays(1),
            _ => null,
        };
        if (unit is null)
            return false;
        duration = unit.Value * count;
        return true;
    }

    private static bool TryParseHostList(string list, out List<HostPort> hosts, out string error)
    {
        hosts = [];
        error = "";
        foreach (var item in list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (!TryParseHostPort(item, out var host))
            {
                error = $"'{item}' is not HOST:PORT";
                return false;
            }
            hosts.Add(host);
        }
        return true;
    }

    private sealed record RouteOptions(TlsMode Tls, TimeSpan? Replay);

    /// <summary>The route before the first ';', and the options after it, each once.</summary>
    private static bool TrySplitOptions(string spec, out string body, out RouteOptions options, out string error)
    {
        var parts = spec.Split(';', StringSplitOptions.TrimEntries);
        body = parts[0];
        options = new RouteOptions(TlsMode.May, null);
        error = "";
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var option in parts.Skip(1))
        {
            var equals = option.IndexOf('=', StringComparison.Ordinal);
            var (name, value) = equals < 0 ? (option, "") : (option[..equals].Trim(), option[(equals + 1)..].Trim());
            if (!seen.Add(name))
                error = $"'{name}=' is given more than once";
            else if (name.Equals("tls", StringComparison.OrdinalIgnoreCase))
            {
                if (Enum.TryParse<TlsMode>(value, ignoreCase: true, out var tls) && Enum.IsDefined(tls))
                    options = options with { Tls = tls };
                else
                    error = $"'{option}' is not tls=none|may|encrypt|verify";
            }
            else if (name.Equals("replay", StringComparison.OrdinalIgnoreCase))
            {
                if (TryParseDuration(value, out var replay))
                    options = options with { Replay = replay };
                else
                    error = $"'{option}' is not replay=DURATION (a whole number of s, m, h or d, e.g. 10m)";
            }
            else
            {
                error = $"'{option}' is not an option of a route (tls=none|may|encrypt|verify, replay=DURATION)";
            }
            if (error.Length > 0)
                return false;
        }
        return true;
    }
}
