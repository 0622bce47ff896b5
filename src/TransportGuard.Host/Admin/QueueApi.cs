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
public static class QueueApi
{
    public sealed record Page(int Total, int Offset, IReadOnlyList<QueueItem> Items);

    public sealed record MessageDetail(QueueItem Item, SpooledEnvelope Envelope, IReadOnlyList<RecipientOutcome> Outcomes, bool Held);

    public sealed record ActionResult(string QueueId, string Action);

    public static void MapQueueApi(this RouteGroupBuilder api)
    {
        api.MapGet("/queue", (QueueManager queue, string? state, string? search, int? offset, int? limit) =>
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

        api.MapGet("/queue/{id}", (QueueManager queue, SpoolService spool, string id) =>
        {
            if (!spool.Spool.Index.TryGet(id, out var message) || queue.Find(id) is not { } item)
                return NotQueued(id);
            var progress = spool.Spool.Index.Progress(id);
            return Results.Ok(new MessageDetail(item, message.Envelope with { Chunks = [] }, [.. progress.Outcomes.Values], progress.Held));
        });

        api.MapPost("/queue/{id}/hold", async (QueueManager queue, string id) => Done(id, "held", await queue.HoldAsync(id)));
        api.MapPost("/queue/{id}/release", async (QueueManager queue, string id) => Done(id, "released", await queue.ReleaseAsync(id)));
        api.MapPost("/queue/{id}/retry", async (QueueManager queue, string id) => Done(id, "retry scheduled", await queue.RetryNowAsync(id)));
        api.MapDelete("/queue/{id}", async (QueueManager queue, string id, bool? bounce) =>
            Done(id, bounce == true ? "deleted with a report to the sender" : "deleted", await queue.DeleteAsync(id, bounce == true)));

        // postqueue -f: every deferred message now.
        api.MapPost("/queue/retry", async (QueueManager queue) =>
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
