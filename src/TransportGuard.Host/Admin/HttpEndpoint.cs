using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TransportGuard.Configuration;
using TransportGuard.Spool;

namespace TransportGuard.Admin;

/// <summary>Kestrel on the --http endpoints, with /metrics, /healthz, /readyz and the admin API under /api.</summary>
internal static class HttpEndpoint
{
    public static void AddHttpEndpoint(this WebApplicationBuilder builder)
    {
        builder.Services.AddValidatedOptions<HttpOptions>(builder.Configuration, HttpOptions.Section);
        builder.Services.AddSingleton(sp => AdminToken.Resolve(sp.GetRequiredService<IOptions<HttpOptions>>().Value.AdminToken,
            sp.GetRequiredService<IOptions<SpoolOptions>>().Value.DataDirectory, sp.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(AdminToken).FullName!)));
        builder.Services.AddHostedService<AdminTokenStartup>();
        builder.WebHost.UseKestrelCore();
        builder.Services.AddRoutingCore();
        builder.Services.AddOptions<KestrelServerOptions>().Configure<IOptions<HttpOptions>>((kestrel, http) =>
        {
            foreach (var endPoint in http.Value.EndPoints())
                kestrel.Listen(endPoint);
        });
        builder.Services.ConfigureHttpJsonOptions(json => json.SerializerOptions.Converters.Add(new System.Text.Json.Serialization.JsonStringEnumConverter()));
    }

    public static void MapHttpEndpoint(this WebApplication app)
    {
        app.MapMetrics();
        app.MapHealth();
        var api = app.MapGroup("/api").AddEndpointFilter(new AdminTokenFilter());
        api.MapQueueApi();
        api.MapTraceApi();
        foreach (var feature in app.Services.GetServices<IAdminApi>())
            feature.Map(api);
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(HttpEndpoint).FullName!);
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            foreach (var address in Addresses(app.Services))
                LogListening(logger, address, null);
        });
    }

    private static readonly Action<ILogger, string, Exception?> LogListening =
        LoggerMessage.Define<string>(LogLevel.Information, new EventId(950, "HttpListening"), "HTTP listening on {Address} (metrics, health, admin API)");

    /// <summary>Where the HTTP endpoint listens once started (the real port when configured with port 0).</summary>
    public static IReadOnlyList<string> Addresses(IServiceProvider services) =>
        [.. services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? []];
}
