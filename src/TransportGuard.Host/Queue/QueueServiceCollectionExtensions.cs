using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using TransportGuard.Configuration;
using TransportGuard.Delivery;

namespace TransportGuard.Queue;

internal static class QueueServiceCollectionExtensions
{
    /// <summary>The schedule stage: scheduler, attempt-and-settle, reports, operator actions and their metrics.
    /// Register after the spool and delivery, and before the SMTP server (hosted services start in order).</summary>
    public static IServiceCollection AddQueue(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<QueueOptions>(configuration, QueueOptions.Section);
        services.AddSingleton<DeliveryMetrics>();
        services.AddSingleton<DeliveryAgents>();
        services.AddSingleton(sp => ActivatorUtilities.CreateInstance<BounceWriter>(sp, sp.GetRequiredService<LocalHostName>().Value));
        services.TryAddSingleton<IDeliveryLedger, NoDeliveryLedger>();
        services.AddSingleton<DeliveryAttempt>();
        services.AddSingleton<QueueScheduler>();
        services.AddSingleton<QueueAdmin>();
        services.AddHostedService(sp => sp.GetRequiredService<QueueScheduler>());
        return services;
    }
}
