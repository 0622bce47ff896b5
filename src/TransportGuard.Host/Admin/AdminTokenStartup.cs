using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace TransportGuard.Admin;

/// <summary>Makes or reads the admin token when the gateway starts, so a data directory that cannot hold it stops the
/// start with one line (<see cref="StartupFailure"/>); `--check` builds the gateway without starting it and so leaves
/// the data directory alone.</summary>
internal sealed class AdminTokenStartup(IServiceProvider services) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        services.GetRequiredService<AdminToken>();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
