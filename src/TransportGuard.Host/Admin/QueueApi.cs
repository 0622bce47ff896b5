using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using TransportGuard.Queue;
using TransportGuard.Spool;

namespace TransportGuard.Admin;

/// <summary>
/// The queue over HTTP (Postfix's mailq/postqueue/postsuper, Exchange's Get-Queue/Get-Message): list with filters
/// and paging, one message's envelope and progress, hold, release, retry, delete with or without a report.
/// </summary>
internal static class QueueApi
{
    public sealed record Page(int Total, int Offset, IReadOnlyList<QueueItem> Items);

    public sealed record MessageDetail(QueueItem Item, SpooledEnvelope Envelope, IReadOnlyList<RecipientOutcome> Outcomes, bool Held);

    public sealed record ActionResult(string QueueId, string Action);

    public static void MapQueueApi(this RouteGroupBuilder api)
    {
        api.MapGet("/queue", (QueueAdmin queue, string? state, string? search, int? offset, int? limit) =>
        {
            QueueItemState? filter = null;
            if (state is not null)
            {
                if (!Enum.TryParse<QueueItemState>(state, ignoreCase: true, out var parsed) || !Enum.IsDefined(parsed))
                    return Results.BadRequest(new { error = $"state must be one of {string.Join(", ", Enum.GetNames<QueueItemState>()).ToLowerInvariant()}" });
                filter = parsed;
            }
            var items = queue.List(filter, search);
            var skip = Math.Max(0, offset ?? 0);
            var take = Math.Clamp(limit ?? 100, 1, 10_000);
            return Results.Ok(new Page(items.Count, skip, [.. items.Skip(skip).Take(take)]));
        });

        api.MapGet("/queue/{id}", (QueueAdmin queue, IMessageStore store, string id) =>
        {
            if (!store.TryGet(id, out var message) || queue.Find(id) is not { } item)
                return NotQueued(id);
            var progress = store.Progress(id);
            return Results.Ok(new MessageDetail(item, message.Envelope with { Chunks = [] }, [.. progress.Outcomes.Values], progress.Held));
        });

        api.MapPost("/queue/{id}/hold", async (QueueAdmin queue, string id) => Done(id, "held", await queue.HoldAsync(id)));
        api.MapPost("/queue/{id}/release", async (QueueAdmin queue, string id) => Done(id, "released", await queue.ReleaseAsync(id)));
        api.MapPost("/queue/{id}/retry", async (QueueAdmin queue, string id) => Done(id, "retry scheduled", await queue.RetryNowAsync(id)));
        api.MapDelete("/queue/{id}", async (QueueAdmin queue, string id, bool? bounce) =>
            Done(id, bounce == true ? "deleted with a report to the sender" : "deleted", await queue.DeleteAsync(id, bounce == true)));

        // postqueue -f: every deferred message now.
        api.MapPost("/queue/retry", async (QueueAdmin queue) =>
        {
            var deferred = queue.List(QueueItemState.Deferred);
            // All at once: their records share group commits instead of waiting for one fsync each.
            await Task.WhenAll(deferred.Select(item => queue.RetryNowAsync(item.QueueId)));
            return Results.Ok(new { retried = deferred.Count });
        });
    }

    private static IResult Done(string id, string action, bool found) => found ? Results.Ok(new ActionResult(id, action)) : NotQueued(id);

    private static IResult NotQueued(string id) => Results.NotFound(new { error = $"{id} is not in the queue" });
}
