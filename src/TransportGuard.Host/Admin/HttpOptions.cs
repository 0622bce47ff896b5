using System.Net;
using TransportGuard.Configuration;

namespace TransportGuard.Admin;

/// <summary>The HTTP endpoint: metrics, health and the admin API (configuration section "Http"; docs/operations.md).</summary>
internal sealed class HttpOptions : IValidatable
{
    public const string Section = "Http";

    /// <summary>Comma-separated HOST:PORT; at least one (health and metrics are always served: with none, Kestrel
    /// would fall back to its own default address).</summary>
    public string Listen { get; set; } = "127.0.0.1:9525";

    /// <summary>Bearer token for /api. Required when HTTP is bound beyond loopback; on loopback, when unset, one is
    /// generated into DATA/admin-token (<see cref="AdminToken"/>). /metrics and the health checks stay open (scrapers
    /// and probes carry no secrets).</summary>
    public string? AdminToken { get; set; }

    public IEnumerable<IPEndPoint> EndPoints() =>
        Check.EndpointList(Listen).Select(e => Check.TryParseEndpoint(e, out var endPoint) ? endPoint : null).OfType<IPEndPoint>();

    public IEnumerable<string> Validate()
    {
        if (Check.EndpointList(Listen).Length == 0)
            yield return $"{Section}:{nameof(Listen)} must name at least one HOST:PORT";
        foreach (var error in Check.Endpoints($"{Section}:{nameof(Listen)}", Listen))
            yield return error;
        if (string.IsNullOrEmpty(AdminToken) && EndPoints().Any(e => !IPAddress.IsLoopback(e.Address)))
            yield return $"{Section}:{nameof(AdminToken)} must be set when {Section}:{nameof(Listen)} binds beyond loopback ({Listen}): the admin API can delete mail";
    }
}
