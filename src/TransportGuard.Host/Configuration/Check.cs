using System.Net;

namespace TransportGuard.Configuration;

/// <summary>Small validation helpers shared by the options classes; each returns null when the value is good.</summary>
internal static class Check
{
    public static string? Range(string key, long value, long min, long max) =>
        value < min || value > max ? $"{key} must be between {min} and {max} (got {value})" : null;

    public static string? Positive(string key, TimeSpan value) =>
        value <= TimeSpan.Zero ? $"{key} must be a positive time span (got {value})" : null;

    public static string? Endpoint(string key, string? value) =>
        value is null || TryParseEndpoint(value, out _) ? null : $"{key} must be HOST:PORT with an IP address or localhost (got '{value}')";

    /// <summary>The entries of a comma-separated HOST:PORT list (blank entries dropped).</summary>
    public static string[] EndpointList(string? list) =>
        (list ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>An error for each entry of the list that is not HOST:PORT.</summary>
    public static IEnumerable<string> Endpoints(string key, string? list) => EndpointList(list).Select(e => Endpoint(key, e)).OfType<string>();

    /// <summary>Parses "127.0.0.1:2525", "[::1]:2525" or "localhost:2525"; the port is required (0 picks a free one).</summary>
    public static bool TryParseEndpoint(string value, out IPEndPoint endPoint)
    {
        value = value.Trim();
        endPoint = new IPEndPoint(IPAddress.None, 0);
        var colon = value.LastIndexOf(':');
        if (colon <= 0 || colon < value.LastIndexOf(']'))
            return false;
        if (value[..colon].Equals("localhost", StringComparison.OrdinalIgnoreCase))
            value = "127.0.0.1" + value[colon..];
        else if (!value.StartsWith('[') && value.IndexOf(':', StringComparison.Ordinal) != colon)
            return false; // a bare IPv6 address without brackets is ambiguous
        if (!IPEndPoint.TryParse(value, out var parsed))
            return false;
        endPoint = parsed;
        return true;
    }
}
