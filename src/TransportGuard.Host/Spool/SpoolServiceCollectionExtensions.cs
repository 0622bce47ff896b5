using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using TransportGuard.Configuration;
using TransportGuard.Smtp;

namespace TransportGuard.Spool;

public static class SpoolServiceCollectionExtensions
{
    public static IServiceCollection AddSpool(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<SpoolOptions>(configuration, SpoolOptions.Section);
        services.AddSingleton<QueueIdGenerator>();
        services.AddSingleton<IMessageSink, FileMessageSink>();
        return services;
    }
}
