using Microsoft.Extensions.DependencyInjection;

namespace TransportGuard.Telemetry;

public static class TelemetryServiceCollectionExtensions
{
    /// <summary>One registry per host and one metrics class per component (STYLE.md: Kestrel's *Metrics classes).</summary>
    public static IServiceCollection AddTelemetry(this IServiceCollection services)
    {
        services.AddSingleton<MetricsRegistry>();
        services.AddSingleton<SmtpMetrics>();
        services.AddSingleton<SpoolMetrics>();
        services.AddSingleton<DeliveryMetrics>();
        services.AddSingleton<RedundancyMetrics>();
        return services;
    }

    /// <summary>Creates every metrics class now, so that all series exist (at zero) from the first scrape.</summary>
    public static void CreateAllMetrics(this IServiceProvider services)
    {
        services.GetRequiredService<SmtpMetrics>();
        services.GetRequiredService<SpoolMetrics>();
        services.GetRequiredService<DeliveryMetrics>();
        services.GetRequiredService<RedundancyMetrics>();
    }
}
