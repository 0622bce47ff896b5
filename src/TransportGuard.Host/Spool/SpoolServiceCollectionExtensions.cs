using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using TransportGuard.Configuration;

namespace TransportGuard.Spool;

internal static class SpoolServiceCollectionExtensions
{
    /// <summary>The durable spool, its maintenance and its metrics. Register before the SMTP server: hosted services
    /// start in order. The composition root binds it to the seams of the other stages.</summary>
    public static IServiceCollection AddSpool(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<SpoolOptions>(configuration, SpoolOptions.Section);
        services.AddSingleton<QueueIdGenerator>();
        services.AddSingleton<DiskSpaceGuard>();
        services.AddSingleton<SpoolMetrics>();
        services.TryAddSingleton<RetainedMessages>();
        services.AddSingleton<SpoolService>();
        services.AddSingleton<IMessageStore>(sp => sp.GetRequiredService<SpoolService>());
        services.AddHostedService(sp => sp.GetRequiredService<SpoolService>());
        services.AddHostedService<SpoolMaintenance>();
        services.AddSingleton<SpoolMessageSink>();
        return services;
    }
}
