using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace TransportGuard;

/// <summary>
/// Runs the gateway until it stops, and again in the same process when <see cref="GatewayRestart"/> asks. Whatever
/// keeps it from starting ends the process with one line on stderr and exit code 2 (<see cref="StartupFailure"/>).
/// </summary>
internal static class GatewayRun
{
    public static async Task<int> RunAsync(string[] args)
    {
        bool restart;
        do
        {
            IHost host;
            try
            {
                host = GatewayHost.Build(args, LeaveStartupFailuresToUs);
            }
            catch (Exception ex)
            {
                return new StartupFailure(ex, []).Report();
            }
            var restartFlag = host.Services.GetRequiredService<GatewayRestart>(); // disposing the host disposes its services
            StartupFailure? failure;
            try
            {
                failure = await StartAsync(host);
                if (failure is null)
                    await host.WaitForShutdownAsync();
            }
            finally
            {
                await DisposeAsync(host);
            }
            if (failure is not null)
                return failure.Report(); // after disposal, so the listeners it did bind are free when the others are tried
            restart = restartFlag.Requested;
        }
        while (restart);
        return 0;
    }

    /// <summary>
    /// `--check`: builds the gateway as a start would and validates every option (as the start does first), then
    /// stops; deploy files are tested with it (docs/operations.md).
    /// </summary>
    public static int Check(string[] args)
    {
        try
        {
            using var host = GatewayHost.Build(args, LeaveStartupFailuresToUs);
            host.Services.GetService<IStartupValidator>()?.Validate(); // Cluster:SecretFile is read by its validation
        }
        catch (Exception ex)
        {
            return new StartupFailure(ex, []).Report();
        }
        Console.WriteLine("transportguard: configuration ok");
        return 0;
    }

    /// <summary>
    /// Starts the host; if that fails, stops what did start (the spool recovered, the queue running) in the usual
    /// order. Without the stop, disposing the host cancels the background services under it and each logs its
    /// cancellation as a failure.
    /// </summary>
    private static async Task<StartupFailure?> StartAsync(IHost host)
    {
        try
        {
            await host.StartAsync();
            return null;
        }
        catch (Exception ex)
        {
            var failure = new StartupFailure(ex, StartupFailure.Listeners(host.Services));
            try
            {
                await host.StopAsync();
            }
            catch (Exception)
            {
                // The start already failed, and that is what gets reported.
            }
            return failure;
        }
    }

    /// <summary>
    /// The host logs a failed start as an error with the whole stack trace before it throws; the line we print says
    /// what the operator needs. Its other error, a background service that failed, is followed by a critical entry
    /// carrying the same exception, so nothing is lost. A Logging:LogLevel key for the category still wins:
    /// --Logging:LogLevel:Microsoft.Extensions.Hosting.Internal.Host Error brings the trace back.
    /// </summary>
    private static void LeaveStartupFailuresToUs(IServiceCollection services) =>
        services.Configure<LoggerFilterOptions>(o => o.Rules.Insert(0, new LoggerFilterRule(null, "Microsoft.Extensions.Hosting.Internal.Host", LogLevel.Critical, null)));

    private static async Task DisposeAsync(IHost host)
    {
        if (host is IAsyncDisposable disposable)
            await disposable.DisposeAsync();
        else
            host.Dispose();
    }
}
