using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using TransportGuard.Admin;
using TransportGuard.Dedup;
using TransportGuard.Delivery;
using TransportGuard.Queue;
using TransportGuard.SafetyNet;
using TransportGuard.Shadow;
using TransportGuard.Smtp;
using TransportGuard.Spool;
using TransportGuard.Telemetry;
using TransportGuard.Tracking;

namespace TransportGuard;

/// <summary>Composes the gateway: configuration sources, logging and the feature services.</summary>
internal static partial class GatewayHost
{
    /// <summary>The short switches scripts and the chaos suite start nodes with (docs/operations.md); keep them stable.</summary>
    private static readonly Dictionary<string, string> SwitchMappings = new()
    {
        ["--config"] = "ConfigFile",
        ["--smtp"] = $"{SmtpServerOptions.Section}:{nameof(SmtpServerOptions.Listen)}",
        ["--smtps"] = $"{SmtpServerOptions.Section}:{nameof(SmtpServerOptions.ImplicitTlsListen)}",
        ["--hostname"] = $"{SmtpServerOptions.Section}:{nameof(SmtpServerOptions.HostName)}",
        ["--data"] = $"{SpoolOptions.Section}:{nameof(SpoolOptions.DataDirectory)}",
        ["--relay-to"] = $"{DeliveryOptions.Section}:{nameof(DeliveryOptions.RelayTo)}",
        ["--http"] = $"{HttpOptions.Section}:{nameof(HttpOptions.Listen)}",
        ["--node-id"] = $"{ShadowOptions.Section}:{nameof(ShadowOptions.NodeId)}",
    };

    /// <summary>Each short switch and the configuration key it sets; the command line documents them (GatewayCommand).</summary>
    internal static IReadOnlyDictionary<string, string> Switches => SwitchMappings;

    /// <param name="configure">Last say over the services; tests use it to put the gateway on a virtual clock.</param>
    public static IHost Build(string[] args, Action<IServiceCollection>? configure = null)
    {
        args = ExpandPeers(args);
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { Args = args });
        AddConfiguration(builder.Configuration, args);
        builder.Logging.AddConfiguration(builder.Configuration.GetSection("Logging"));
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
            o.UseUtcTimestamp = true;
        });
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<GatewayRestart>();
        builder.Services.AddTelemetry();
        // Before the stages: the tracking log is open before their first event and written out after their last.
        builder.Services.AddTracking(builder.Configuration);
        builder.AddHttpEndpoint();
        // The stages in the order their hosted services start: store, deliver, schedule, then the plug-ins, then receive.
        builder.Services.AddSpool(builder.Configuration);
        builder.Services.AddDelivery(builder.Configuration);
        builder.Services.AddDedup(builder.Configuration);
        builder.Services.AddQueue(builder.Configuration);
        builder.Services.AddSafetyNet(builder.Configuration);
        builder.Services.AddShadow(builder.Configuration);
        Compose(builder.Services);
        builder.Services.AddSmtpServer(builder.Configuration);
        ComposeStop(builder.Services);
        configure?.Invoke(builder.Services);
        var app = builder.Build();
        app.MapHttpEndpoint();
        CreateAllMetrics(app.Services);
        return app;
    }

    /// <summary>`--peer ID@HOST:PORT` may be repeated (docs/operations.md); configuration keeps only the last value of a
    /// key, so each occurrence becomes its own array element.</summary>
    public static string[] ExpandPeers(string[] args)
    {
        var expanded = new List<string>(args.Length);
        var index = 0;
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == "--peer" && i + 1 < args.Length)
            {
                expanded.Add($"--{ShadowOptions.Section}:{nameof(ShadowOptions.Peers)}:{index++}");
                expanded.Add(args[++i]);
            }
            else if (args[i].StartsWith("--peer=", StringComparison.Ordinal))
            {
                expanded.Add($"--{ShadowOptions.Section}:{nameof(ShadowOptions.Peers)}:{index++}={args[i]["--peer=".Length..]}");
            }
            else
            {
                expanded.Add(args[i]);
            }
        }
        return [.. expanded];
    }

    /// <summary>appsettings.json beside the executable, then --config FILE, then TG_ variables, then switches.</summary>
    private static void AddConfiguration(ConfigurationManager configuration, string[] args)
    {
        configuration.AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: true);
        var file = new ConfigurationBuilder().AddCommandLine(args, SwitchMappings).Build()["ConfigFile"];
        if (file is not null)
            configuration.AddJsonFile(Path.GetFullPath(file), optional: false);
        configuration.AddEnvironmentVariables("TG_");
        configuration.AddCommandLine(args, SwitchMappings);
    }
}
