using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using TransportGuard;
using TransportGuard.Admin.Cli;
using TransportGuard.Spool;

// `transportguard spool ...` inspects a spool offline; `queue`, `resubmit` and `drain` talk to a running gateway's admin API;
// anything else runs the gateway.
if (args.Length > 0 && args[0] is "spool" or "queue" or "resubmit" or "drain")
    return await new RootCommand("TransportGuard tools") { SpoolCommands.Build(), QueueCommands.Build(), ResubmitCommand.Build(), DrainCommand.Build() }.Parse(args).InvokeAsync();

try
{
    bool restart;
    do
    {
        using var host = GatewayHost.Build(args);
        var restartFlag = host.Services.GetRequiredService<GatewayRestart>(); // RunAsync disposes the host's services
        await host.RunAsync();
        restart = restartFlag.Requested;
    }
    while (restart);
    return 0;
}
catch (OptionsValidationException ex)
{
    // A bad option stops the process with one clear line per bad key (DESIGN.md section 6).
    foreach (var failure in ex.Failures)
        Console.Error.WriteLine($"transportguard: configuration error: {failure}");
    return 2;
}
catch (Exception ex) when (ex is InvalidOperationException or FormatException or FileNotFoundException
    or System.Net.Sockets.SocketException)
{
    Console.Error.WriteLine($"transportguard: cannot start: {ex.Message}");
    return 2;
}
