using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TransportGuard.Configuration;
using TransportGuard.Spool;

namespace TransportGuard.Dedup;

internal static class DedupServiceCollectionExtensions
{
    /// <summary>Duplicate detection (docs/dedup.md): the store (local under DATA/dedup, with the shared one when
    /// Dedup:Redis names it), opened before the queue starts, and its plug-ins, which the composition root binds to
    /// the receive gate and the delivery ledger. Register before the queue: hosted services start in order.</summary>
    public static IServiceCollection AddDedup(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<DedupOptions>(configuration, DedupOptions.Section);
        services.AddSingleton<DedupMetrics>();
        services.AddSingleton(sp => new DuplicateStoreService(cancellationToken => OpenAsync(sp, cancellationToken),
            sp.GetRequiredService<DedupMetrics>(), sp.GetRequiredService<IOptions<DedupOptions>>(), sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<DuplicateStoreService>>()));
        services.AddHostedService(sp => sp.GetRequiredService<DuplicateStoreService>());
        services.AddSingleton<DuplicateLedger>();
        services.AddSingleton<DuplicateReceiveGate>();
        return services;
    }

    private static async Task<IDuplicateStore?> OpenAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        var options = services.GetRequiredService<IOptions<DedupOptions>>().Value;
        if (!options.Enabled)
            return null;
        var time = services.GetRequiredService<TimeProvider>();
        var directory = Path.Combine(services.GetRequiredService<IOptions<SpoolOptions>>().Value.DataDirectory, "dedup");
        var local = await LocalDuplicateStore.OpenAsync(directory, options, time, services.GetRequiredService<ILogger<LocalDuplicateStore>>(), cancellationToken);
        if (string.IsNullOrWhiteSpace(options.Redis))
            return local;
        var shared = await RedisDuplicateStore.ConnectAsync(options, time);
        return new LocalAndSharedDuplicateStore(local, shared, options, services.GetRequiredService<DedupMetrics>(), time,
            services.GetRequiredService<ILogger<LocalAndSharedDuplicateStore>>());
    }
}
