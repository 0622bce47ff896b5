using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using TransportGuard.Configuration;

namespace TransportGuard.Shadow;

internal static class ShadowServiceCollectionExtensions
{
    /// <summary>Shadow redundancy's own parts: node identity, peers, stores, leases, fencing, the inter-node verbs,
    /// copies, drain and the heartbeat manager. The composition root plugs them into the other stages' seams.</summary>
    public static IServiceCollection AddShadow(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<ShadowOptions>(configuration, ShadowOptions.Section);
        services.AddSingleton<IValidateOptions<ShadowOptions>, PeerPrerequisites>();
        services.AddSingleton<PeerDirectory>();
        services.AddSingleton<NodeIdentity>();
        services.AddSingleton<DiscardNotices>();
        services.AddSingleton<ShadowStore>();
        services.AddSingleton<HolderLeases>();
        services.AddSingleton<TakeoverFence>();
        services.AddSingleton<KeptMessages>();
        services.AddSingleton<TakenReports>();
        services.AddSingleton<TakeoverGuard>();
        services.AddSingleton<ShadowKeeper>();
        services.AddSingleton<ShadowRecovery>();
        services.AddSingleton<ShadowCopier>();
        services.AddSingleton<ShadowReceiveGate>();
        services.AddSingleton<ShadowExtension>();
        services.AddSingleton<ShadowApi>();
        services.AddSingleton<Quiescence>();
        services.AddSingleton<NodeDrain>();
        services.AddSingleton<ShadowManager>();
        return services;
    }
}
