using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using TransportGuard.Configuration;

namespace TransportGuard.Tracking;

internal static class TrackingServiceCollectionExtensions
{
    /// <summary>Message tracking (docs/tracking.md): the log every stage records into, its reader and its metrics.
    /// Register before the stages: hosted services start in order and stop in reverse, so the log is open before
    /// the first event and written out after the last. The composition root names its directory
    /// (<see cref="TrackingDirectory"/>).</summary>
    public static IServiceCollection AddTracking(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<TrackingOptions>(configuration, TrackingOptions.Section);
        services.AddSingleton<TrackingMetrics>();
        services.AddSingleton<TrackingLog>();
        services.AddHostedService(sp => sp.GetRequiredService<TrackingLog>());
        services.AddSingleton<IMessageTracker>(sp => sp.GetRequiredService<IOptions<TrackingOptions>>().Value.Enabled
            ? sp.GetRequiredService<TrackingLog>()
            : NoMessageTracker.Instance);
        services.AddSingleton<TrackingReader>();
        return services;
    }
}
