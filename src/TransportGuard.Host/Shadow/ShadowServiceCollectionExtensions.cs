using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using TransportGuard.Configuration;
using TransportGuard.Delivery;
using TransportGuard.Delivery.Smtp;
using TransportGuard.Smtp;
using TransportGuard.Spool;

namespace TransportGuard.Shadow;

public static class ShadowServiceCollectionExtensions
{
    /// <summary>Node identity, peers, and shadow redundancy. The passive parts (stores, directory) are registered
    /// before the queue that writes to them; the manager is a hosted service started after the queue.</summary>
    public static IServiceCollection AddShadowState(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<ShadowOptions>(configuration, ShadowOptions.Section);
        services.AddSingleton<PeerDirectory>();
        services.AddSingleton<NodeIdentity>();
        services.AddSingleton<DiscardNotices>();
        services.AddSingleton<ShadowStore>();
        services.AddSingleton<HolderLeases>();
        services.AddSingleton(ClientProfile);
        return services;
    }

    public static IServiceCollection AddShadowRedundancy(this IServiceCollection services)
    {
        services.AddSingleton<ISmtpExtension, ShadowExtension>();
        services.AddSingleton<IRedundancyGate, ShadowCopier>();
        services.AddSingleton<NodeDrain>();
        services.AddSingleton<ShadowManager>();
        services.AddHostedService(sp => sp.GetRequiredService<ShadowManager>());
        return services;
    }

    /// <summary>How this node appears as an SMTP client: its EHLO name, its node address as the source (peers know
    /// each other by address), and its node id for XSHADOW when it has peers.</summary>
    private static SmtpClientProfile ClientProfile(IServiceProvider services)
    {
        var smtp = services.GetRequiredService<IOptions<SmtpServerOptions>>().Value;
        var shadow = services.GetRequiredService<IOptions<ShadowOptions>>().Value;
        var helo = services.GetRequiredService<IOptions<DeliveryOptions>>().Value.HostName ?? smtp.HostName;
        var source = smtp.ListenEndpoints().Select(e => Check.TryParseEndpoint(e, out var endPoint) ? endPoint.Address : null)
            .FirstOrDefault(a => a is not null && !a.Equals(IPAddress.Any) && !a.Equals(IPAddress.IPv6Any));
        return new SmtpClientProfile(helo, source, shadow.PeerList().Count > 0 ? shadow.NodeId : null);
    }
}
