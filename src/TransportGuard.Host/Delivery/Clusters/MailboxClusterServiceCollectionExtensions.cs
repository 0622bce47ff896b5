using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using TransportGuard.Configuration;
using TransportGuard.Delivery.Routing;

namespace TransportGuard.Delivery.Clusters;

internal static class MailboxClusterServiceCollectionExtensions
{
    /// <summary>Mailbox cluster routes: their state (which the route table asks for the active server), the health
    /// checks that move them, and their metrics (docs/safetynet.md, Mailbox clusters).</summary>
    public static IServiceCollection AddMailboxClusters(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<MailboxClusterOptions>(configuration, MailboxClusterOptions.Section);
        services.AddSingleton<MailboxClusters>();
        services.AddSingleton<IActiveServers>(sp => sp.GetRequiredService<MailboxClusters>());
        services.AddSingleton<MailboxClusterMetrics>();
        services.TryAddSingleton<IServerProbe, SmtpServerProbe>();
        services.AddSingleton<MailboxClusterMonitor>();
        services.AddHostedService(sp => sp.GetRequiredService<MailboxClusterMonitor>());
        return services;
    }
}
