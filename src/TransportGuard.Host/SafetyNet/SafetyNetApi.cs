using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using TransportGuard.Admin;
using TransportGuard.Delivery.Routing;
using TransportGuard.Spool;

namespace TransportGuard.SafetyNet;

/// <summary>The Safety Net under the admin API (docs/safetynet.md): what it holds, the recent resubmit requests and
/// mailbox cluster routes, and resubmit requests after Exchange's Add-ResubmitRequest.</summary>
internal sealed class SafetyNetApi(IOptions<SafetyNetOptions> options) : IAdminApi
{
    /// <summary>Add-ResubmitRequest's parameters: a time window and a destination or sender/recipient/Message-ID filter.</summary>
    public sealed record ResubmitRequest(DateTimeOffset? Start, DateTimeOffset? End, string? Destination, string? Sender,
        string? Recipient, string? MessageId, string? ResubmitTo, bool DryRun);

    public sealed record Status(bool Enabled, TimeSpan HoldTime, long MaxBytes, int MaxMessages, int Messages, long Bytes,
        DateTimeOffset? OldestDelivery, IReadOnlyList<ResubmitResult> Requests);

    public void Map(RouteGroupBuilder api)
    {
        var settings = options.Value;
        api.MapGet("/safetynet", (IMessageStore store, ResubmitHistory history) =>
            Results.Ok(new Status(settings.Enabled, settings.HoldTime, settings.MaxBytes, settings.MaxMessages, store.Retained.Count,
                store.Retained.Bytes, store.Retained.OldestDelivery, history.Recent())));

        api.MapPost("/safetynet/resubmit", async (ResubmitRequest request, Resubmitter resubmitter, IMessageStore store, CancellationToken cancellationToken) =>
        {
            if (request.Start is not { } start || request.End is not { } end)
                return Results.BadRequest(new { error = "start and end are required (ISO 8601 times)" });
            if (end <= start)
                return Results.BadRequest(new { error = "end must be after start" });
            var filter = new ResubmitFilter(start, end, Blank(request.Destination), Blank(request.Sender), Blank(request.Recipient), Blank(request.MessageId));
            if (!filter.HasCriterion)
                return Results.BadRequest(new { error = "give a destination, or a sender, recipient or Message-ID filter" });
            var resubmitTo = Blank(request.ResubmitTo);
            if (resubmitTo is not null && !RouteTable.IsValid(resubmitTo, out var routeError))
                return Results.BadRequest(new { error = $"resubmitTo: {routeError}" });
            if (!settings.Enabled)
                return Results.Conflict(new { error = "the Safety Net is off on this node (SafetyNet:Enabled false): it holds no delivered mail" });
            if (store.Faulted && !request.DryRun)
                return Results.Problem("the spool has failed a commit; nothing can be queued until the gateway restarts", statusCode: StatusCodes.Status503ServiceUnavailable);
            return Results.Ok(await resubmitter.RunAsync(filter, resubmitTo, request.DryRun, ResubmitTrigger.Request, cancellationToken));
        });
    }

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
