using System.Globalization;
using System.Text.RegularExpressions;

namespace TransportGuard.Tests.Support;

/// <summary>Reads single series out of a gateway's /metrics (Prometheus text exposition).</summary>
internal static class MetricsText
{
    /// <summary>The value of <paramref name="series"/> (name with its labels, as exported), or null when absent.</summary>
    public static double? Find(string exposition, string series) =>
        Regex.Match(exposition, "(?m)^" + Regex.Escape(series) + @" (\S+)$") is { Success: true } match
            ? double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : null;

    /// <summary>The value of <paramref name="series"/>, which must be exported.</summary>
    public static double Value(string exposition, string series) =>
        Find(exposition, series) ?? throw new Xunit.Sdk.XunitException($"{series} not exported");

    /// <summary>Shadows held for <paramref name="peer"/>, or -1 before the series exists.</summary>
    public static double ShadowMessages(string exposition, string peer) =>
        Find(exposition, $"transportguard_shadow_messages{{peer=\"{peer}\"}}") ?? -1;
}
