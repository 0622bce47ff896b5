using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using TransportGuard.Configuration;
using TransportGuard.Smtp;

namespace TransportGuard.Spool;

public static class SpoolServiceCollectionExtensions
{
    /// <summary>The durable spool. Register before the SMTP server: hosted services start in order.</summary>
    public static IServiceCollection AddSpool(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<SpoolOptions>(configuration, SpoolOptions.Section);
        services.AddSingleton<QueueIdGenerator>();
        services.AddSingleton<DiskSpaceGuard>();
        services.AddSingleton<SpoolService>();
        services.AddHostedService(sp => sp.GetRequiredService<SpoolService>());
        services.AddHostedService<SpoolMaintenance>();
        services.AddSingleton<IMessageSink, SpoolMessageSink>();
        services.TryAddSingleton<IRedundancyGate, NoRedundancy>();
        return services;
    }
}
