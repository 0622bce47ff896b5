using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TransportGuard.Delivery;
using TransportGuard.Delivery.Routing;
using TransportGuard.Delivery.Smtp;
using TransportGuard.Smtp;
using TransportGuard.Smtp.Protocol;
using TransportGuard.Spool;
using TransportGuard.Telemetry;
using TransportGuard.Tracking;

namespace TransportGuard.Shadow;

/// <summary>
/// Shadow before ack (Exchange 2013, docs/protocol.md): a message from a client that holds no shadow of it (the
/// Internet, Postfix) is copied to a peer, which keeps it as a shadow, before the client gets 250; the peer is then
/// recorded as its holder, owed a discard notice once we deliver. If no peer takes the copy in time the message is
/// refused with 451 4.4.0 when RejectMessageOnShadowFailure is set, else accepted and counted as not redundant.
/// </summary>
internal sealed partial class ShadowCopier(PeerDirectory peers, IMessageStore store, SmtpConnectionPool pool, SmtpClientProfile profile, RouteTable routes,
    DiscardNotices notices, IOptions<ShadowOptions> options, RedundancyMetrics metrics, IMessageTracker tracker, TimeProvider time,
    ILogger<ShadowCopier> logger)
{
    public static readonly SmtpReply NotRedundant = new(451, "4.4.0", "Message failed to be made redundant");

    /// <summary>The peer that should hold this message's shadow, written into the envelope with the commit (so the
    /// common case needs no record of its own); null when no copy is wanted.</summary>
    public string? PlanHolder(SpooledEnvelope envelope) =>
        // A peer that relayed it with XSHADOW holds a shadow already; a shadow copy is not ours to protect.
        !options.Value.ShadowBeforeAck || peers.Peers.Count == 0 || envelope.ShadowHolder is not null || envelope.ShadowOf is not null
            ? null
            : Candidates(envelope).FirstOrDefault()?.Id;

    /// <summary>Makes the copy (to the planned holder first); records another holder, or none, if that one fails.</summary>
    public async Task ProtectAsync(SpooledMessage message, string plannedHolder)
    {
        var envelope = message.Envelope;
        foreach (var peer in Candidates(envelope).OrderBy(p => p.Id != plannedHolder))
        {
            if (await TryCopyAsync(message, peer))
            {
                if (peer.Id != plannedHolder) // the envelope names the planned one
                    await store.RecordProgressAsync(envelope.QueueId, p => p with { Holder = peer.Id }, $"shadow copy held by {peer.Id}");
                return;
            }
        }
        await store.RecordProgressAsync(envelope.QueueId, p => p with { Holder = MessageProgress.NoHolder }, "no peer holds a shadow copy");
        if (options.Value.RejectMessageOnShadowFailure)
        {
            await store.MarkFinishedAsync(envelope.QueueId, "refused: no peer took a shadow copy");
            LogRefused(envelope.QueueId);
            throw new MessageRefusedException(NotRedundant);
        }
        metrics.AcceptedWithoutRedundancy.Inc();
        LogNotRedundant(envelope.QueueId);
    }

    /// <summary>Peers in the configured preference order (ShadowPeers, else the peer list): live ones first, and
    /// before those, ones that are not this message's next hop (a copy on the node we relay to protects nothing).</summary>
    private IEnumerable<Peer> Candidates(SpooledEnvelope envelope)
    {
        var order = options.Value.ShadowPeers is { Length: > 0 } preferred
            ? preferred.Select(peers.ById).OfType<Peer>()
            : peers.Peers;
        var nextHops = envelope.Recipients.Select(r => routes.Resolve(r.Address)).OfType<SmartHostRoute>()
            .SelectMany(r => r.Hosts).Select(h => h.ToString()).ToHashSet(StringComparer.OrdinalIgnoreCase);
        return order.OrderBy(p => peers.IsDown(p.Id)).ThenBy(p => nextHops.Contains(p.Address.ToString()));
    }

    private async Task<bool> TryCopyAsync(SpooledMessage message, Peer peer)
    {
        var timeouts = new SmtpClientTimeouts(options.Value.ShadowCopyTimeout, options.Value.ShadowCopyTimeout, options.Value.ShadowCopyTimeout);
        using var deadline = new CancellationTokenSource(options.Value.ShadowCopyTimeout, time);
        var job = new DeliveryJob(message, new SmtpHostRoute(peer), peer.Id, message.Envelope.Recipients,
            ExtraMailParameters: $"{ShadowExtension.ShadowOfParameter}={profile.ShadowNodeId}:{message.Envelope.QueueId}");
        try
        {
            var results = await pool.RunAsync($"copy|{peer.Id}",
                () => peers.ConnectAsync(peer, profile, timeouts, time, deadline.Token),
                async connection => connection.PrimaryNode is null
                    ? null // the peer does not take XSHADOW from us
                    : await SmtpTransaction.SendAsync(connection, job, store, timeouts, deadline.Token));
            if (results?.All(r => r.Outcome == DeliveryOutcome.Delivered) != true)
                return false;
            tracker.Record(message.Envelope.Tracked(TrackingEventKind.Shadow) with
            {
                Peer = peer.Id, PeerQueueId = results[0].Primary?.PrimaryQueueId, Host = results[0].RemoteMta, Status = results[0].Status,
                Reply = results[0].Diagnostic,
                Detail = $"shadow copy made on {peer.Id} before the 250",
            });
            return true;
        }
        catch (Exception ex) when (ex is IOException or TimeoutException or OperationCanceledException or ObjectDisposedException)
        {
            LogCopyFailed(message.Envelope.QueueId, peer.Id, ex.Message);
            // The peer may still commit what it was sent: tell it to discard that copy (defect of an orphaned copy).
            notices.AddStray(peer.Id, message.Envelope.QueueId);
            return false;
        }
    }

    /// <summary>The route a copy travels: straight to the peer.</summary>
    private sealed record SmtpHostRoute(Peer Peer) : Route($"shadow:{Peer.Id}");

    [LoggerMessage(5200, LogLevel.Warning, "{QueueId}: shadow copy to {Peer} failed: {Reason}")]
    private partial void LogCopyFailed(string queueId, string peer, string reason);

    [LoggerMessage(5201, LogLevel.Warning, "{QueueId}: accepted without redundancy: no peer took a shadow copy")]
    private partial void LogNotRedundant(string queueId);

    [LoggerMessage(5202, LogLevel.Warning, "{QueueId}: refused with 451 4.4.0: no peer took a shadow copy (RejectMessageOnShadowFailure)")]
    private partial void LogRefused(string queueId);
}
