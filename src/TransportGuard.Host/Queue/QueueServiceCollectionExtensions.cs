using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using TransportGuard.Configuration;
using TransportGuard.Delivery;
using TransportGuard.Delivery.Maildir;
using TransportGuard.Delivery.Mx;
using TransportGuard.Delivery.Routing;
using TransportGuard.Delivery.Smtp;
using TransportGuard.Smtp;
using TransportGuard.Spool;

namespace TransportGuard.Queue;

public static class QueueServiceCollectionExtensions
{
    /// <summary>The queue manager and delivery. Register after the spool and before the SMTP server.</summary>
    public static IServiceCollection AddQueueAndDelivery(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<QueueOptions>(configuration, QueueOptions.Section);
        services.AddValidatedOptions<DeliveryOptions>(configuration, DeliveryOptions.Section);
        services.AddSingleton<RouteTable>();
        services.AddSingleton(sp =>
        {
            var delivery = sp.GetRequiredService<IOptions<DeliveryOptions>>().Value;
            return new MxResolver(MxResolver.CreateClient(delivery.DnsServers, TimeSpan.FromSeconds(10)));
        });
        services.AddSingleton<NextHopResolver>();
        services.AddSingleton<SmtpConnectionPool>();
        services.AddSingleton(sp => new MaildirDelivery(sp.GetRequiredService<SpoolService>(), HostName(sp)));
        services.AddSingleton<SmtpDelivery>();
        services.AddSingleton<DeliveryAgents>();
        services.AddSingleton(sp => ActivatorUtilities.CreateInstance<BounceWriter>(sp, HostName(sp)));
        services.AddSingleton<QueueManager>();
        services.AddHostedService(sp => sp.GetRequiredService<QueueManager>());
        return services;
    }

    /// <summary>The name we give ourselves as a client (EHLO), in Maildir names and as the reporting MTA.</summary>
    private static string HostName(IServiceProvider services) =>
        services.GetRequiredService<IOptions<DeliveryOptions>>().Value.HostName
        ?? services.GetRequiredService<IOptions<SmtpServerOptions>>().Value.HostName;
}
