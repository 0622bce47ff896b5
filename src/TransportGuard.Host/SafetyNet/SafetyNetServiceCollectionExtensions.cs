using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using TransportGuard.Configuration;
using TransportGuard.Spool;

namespace TransportGuard.SafetyNet;

internal static class SafetyNetServiceCollectionExtensions
{
    /// <summary>The Safety Net (docs/safetynet.md): the spool keeps delivered mail when it is on; the janitor lets it
    /// go; resubmit requests come from the admin API and from mailbox cluster failovers. The composition root binds
    /// its admin API.</summary>
    public static IServiceCollection AddSafetyNet(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<SafetyNetOptions>(configuration, SafetyNetOptions.Section);
        services.Replace(ServiceDescriptor.Singleton(sp => new RetainedMessages { Enabled = sp.GetRequiredService<IOptions<SafetyNetOptions>>().Value.Enabled }));
        services.AddSingleton<SafetyNetMetrics>();
        services.AddSingleton<SafetyNetCatalog>();
        services.AddSingleton<ResubmitHistory>();
        services.AddSingleton<Resubmitter>();
        services.AddHostedService<SafetyNetJanitor>();
        services.AddSingleton<SafetyNetApi>();
        return services;
    }
}
