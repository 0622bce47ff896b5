using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using TransportGuard.Tracking;

namespace TransportGuard.Admin;

/// <summary>
/// Message tracking over HTTP (docs/tracking.md), after Exchange's Get-MessageTrackingLog: what this node's records
/// say happened to a message, found by Message-ID, queue id, sender or recipient within a time window.
/// </summary>
internal static class TraceApi
{
    public static void MapTraceApi(this RouteGroupBuilder api)
    {
        api.MapGet("/trace", async (TrackingReader reader, string? messageId, string? queueId, string? sender, string? recipient,
            DateTimeOffset? start, DateTimeOffset? end, int? limit, CancellationToken cancellationToken) =>
        {
            var query = new TrackingQuery(Blank(messageId), Blank(queueId), Blank(sender), Blank(recipient), start, end,
                limit ?? TrackingQuery.DefaultLimit);
            if (!query.HasFilter)
                return Results.BadRequest(new { error = "give a messageId, queueId, sender or recipient (and optionally start, end)" });
            if (start is { } from && end is { } to && to <= from)
                return Results.BadRequest(new { error = "end must be after start" });
            // In the tracking log's own form: an event says only what its step knew, as in the files.
            return Results.Json(await reader.ReadAsync(query, cancellationToken), TrackingJson.Default.TrackingResult);
        });
    }

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
