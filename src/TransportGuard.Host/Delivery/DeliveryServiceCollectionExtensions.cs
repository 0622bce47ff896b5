using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using TransportGuard.Configuration;
using TransportGuard.Delivery.Clusters;
using TransportGuard.Delivery.Maildir;
using TransportGuard.Delivery.Mx;
using TransportGuard.Delivery.Routing;
using TransportGuard.Delivery.Smtp;
using TransportGuard.Smtp;

namespace TransportGuard.Delivery;

internal static class DeliveryServiceCollectionExtensions
{
    /// <summary>The deliver stage: routes (mailbox clusters with their health checks), MX lookups, the SMTP client and
    /// its connection pool, the Maildir agent.</summary>
    public static IServiceCollection AddDelivery(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<DeliveryOptions>(configuration, DeliveryOptions.Section);
        services.AddSingleton(sp => new LocalHostName(sp.GetRequiredService<IOptions<DeliveryOptions>>().Value.HostName
            ?? sp.GetRequiredService<IOptions<SmtpServerOptions>>().Value.HostName));
        services.AddMailboxClusters(configuration);
        services.AddSingleton<RouteTable>();
        services.AddSingleton(sp =>
        {
            var delivery = sp.GetRequiredService<IOptions<DeliveryOptions>>().Value;
            return new MxResolver(MxResolver.CreateClient(delivery.DnsServers, TimeSpan.FromSeconds(10)));
        });
        services.TryAddSingleton<IHostAvailability, NoHostKnownDown>();
        services.AddSingleton<NextHopResolver>();
        services.AddSingleton<SmtpConnectionPool>();
        services.AddSingleton<MaildirDelivery>();
        services.AddSingleton<SmtpDelivery>();
        return services;
    }
}
