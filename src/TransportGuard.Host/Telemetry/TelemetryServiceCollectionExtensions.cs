using Microsoft.Extensions.DependencyInjection;

namespace TransportGuard.Telemetry;

internal static class TelemetryServiceCollectionExtensions
{
    /// <summary>One registry per host and one metrics class per component (docs/architecture.md, Conventions 11).</summary>
    public static IServiceCollection AddTelemetry(this IServiceCollection services)
    {
        services.AddSingleton<MetricsRegistry>();
        services.AddSingleton<SmtpMetrics>();
        services.AddSingleton<RedundancyMetrics>();
        return services;
    }
}
