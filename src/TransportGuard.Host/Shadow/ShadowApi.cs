using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using TransportGuard.Admin;

namespace TransportGuard.Shadow;

/// <summary>Shadow queues per peer, and drain (docs/protocol.md, Drain), under the admin API.</summary>
internal sealed class ShadowApi : IAdminApi
{
    public sealed record ShadowQueue(string Peer, int Messages);

    public void Map(RouteGroupBuilder api)
    {
        api.MapGet("/shadow", (PeerDirectory peers, ShadowStore store) =>
            Results.Ok(peers.Peers.Select(p => new ShadowQueue(p.Id, store.Count(p.Id))).ToArray()));
        // Take this node out for maintenance: hand its queue to a peer, then it can be stopped empty. The drain goes
        // on if the caller goes away; calling again waits for it, or drains what is left.
        api.MapPost("/drain", async (NodeDrain drain, string? to, int? wait, CancellationToken cancellationToken) =>
        {
            try
            {
                // Answered within the wait (20 s by default, under the CLI's HTTP timeout): "running" then.
                using var waited = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                waited.CancelAfter(TimeSpan.FromSeconds(Math.Clamp(wait ?? 20, 0, 3600)));
                return Results.Ok(await drain.DrainAsync(to, waited.Token));
            }
            catch (InvalidOperationException ex)
            {
                return Results.BadRequest(new { error = ex.Message });
            }
        });
        // Cancel it: the node takes mail and delivers again.
        api.MapDelete("/drain", async (NodeDrain drain) =>
            await drain.CancelAsync() ? Results.Ok(new { cancelled = true }) : Results.NotFound(new { error = "no drain to cancel" }));
    }
}
