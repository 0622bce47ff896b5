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
        // Take this node out for maintenance: hand its queue to a peer, then it can be stopped empty.
        api.MapPost("/drain", async (NodeDrain drain, string? to, CancellationToken cancellationToken) =>
        {
            try
            {
                return Results.Ok(await drain.DrainAsync(to, cancellationToken));
            }
            catch (InvalidOperationException ex)
            {
                return Results.BadRequest(new { error = ex.Message });
            }
        });
    }
}
