using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using TransportGuard.Telemetry;

namespace TransportGuard.Admin;

internal static class MetricsEndpoint
{
    /// <summary>Prometheus text exposition format 0.0.4.</summary>
    public static void MapMetrics(this WebApplication app) =>
        app.MapGet("/metrics", async (HttpContext context, MetricsRegistry metrics) =>
        {
            context.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
            await metrics.ExportAsync(context.Response.Body, context.RequestAborted);
        });
}
