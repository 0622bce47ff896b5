using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace TransportGuard.Admin;

/// <summary>
/// Safety Net resubmission (docs/architecture.md, Safety Net). The Safety Net is the next wave: until it runs, a
/// resubmit request is validated and matches nothing, with a note saying why, so scripts and the CLI can be written
/// against the final shape now.
/// </summary>
internal static class ResubmitApi
{
    /// <summary>After Exchange's Add-ResubmitRequest: a time window and a destination or sender/recipient/Message-ID filter.</summary>
    public sealed record ResubmitRequest(DateTimeOffset? Start, DateTimeOffset? End, string? Destination, string? Sender,
        string? Recipient, string? MessageId, string? ResubmitTo, bool DryRun);

    public sealed record ResubmitResult(DateTimeOffset Start, DateTimeOffset End, int Matched, int Resubmitted, bool DryRun, string Note);

    public static void MapResubmitApi(this RouteGroupBuilder api)
    {
        api.MapPost("/safetynet/resubmit", (ResubmitRequest request) =>
        {
            if (request.Start is not { } start || request.End is not { } end)
                return Results.BadRequest(new { error = "start and end are required (ISO 8601 times)" });
            if (end <= start)
                return Results.BadRequest(new { error = "end must be after start" });
            if (request.Destination is null && request.Sender is null && request.Recipient is null && request.MessageId is null)
                return Results.BadRequest(new { error = "give a destination, or a sender, recipient or Message-ID filter" });
            return Results.Ok(new ResubmitResult(start, end, 0, 0, request.DryRun, "the Safety Net is not enabled on this node: it holds no delivered mail"));
        });
    }
}
