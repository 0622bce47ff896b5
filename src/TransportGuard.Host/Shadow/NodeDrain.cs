using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TransportGuard.Delivery;
using TransportGuard.Delivery.Routing;
using TransportGuard.Delivery.Smtp;
using TransportGuard.Queue;
using TransportGuard.Smtp;
using TransportGuard.Spool;

namespace TransportGuard.Shadow;

internal sealed record DrainReport(string Peer, int HandedOver, int Dropped, int Failed, int Remaining);

/// <summary>
/// Takes a node out for maintenance (docs/protocol.md, Drain; Exchange lets an operator remove a hub at any time): it
/// stops taking mail, lets running deliveries finish, hands every queued message to a peer over SMTP (the peer
/// becomes its owner), drops the shadows it held for others (their primaries still have the messages), and waits
/// until the holders of what it handed on have acknowledged their discard notices. Then it can be stopped with an
/// empty queue.
/// </summary>
internal sealed partial class NodeDrain(Quiescence quiescence, DeliveryAttempt attempt, IMessageStore store, PeerDirectory peers, SmtpConnectionPool pool, SmtpClientProfile profile,
    IOptions<DeliveryOptions> delivery, TimeProvider time, ILogger<NodeDrain> logger)
{
    public async Task<DrainReport> DrainAsync(string? peerId, CancellationToken cancellationToken)
    {
        var target = (peerId is null ? peers.Peers.FirstOrDefault(p => !peers.IsDown(p.Id)) : peers.ById(peerId))
            ?? throw new InvalidOperationException(peerId is null ? "no live peer to drain to" : $"{peerId} is not a configured peer");
        LogDraining(target.Id);
        await quiescence.StopTakingWorkAsync(TimeSpan.FromSeconds(60), cancellationToken);

        int handedOver = 0, dropped = 0, failed = 0;
        var timeouts = new SmtpClientTimeouts(delivery.Value.ConnectTimeout, delivery.Value.CommandTimeout, delivery.Value.DataTimeout);
        foreach (var message in store.Messages.ToList())
        {
            var progress = store.Progress(message.Envelope.QueueId);
            if (message.Envelope.ShadowOf is not null || progress.Shadow is not null)
            {
                await store.MarkFinishedAsync(message.Envelope.QueueId, "shadow dropped: this node was drained");
                dropped++;
                continue;
            }
            if (progress.AwaitingDiscard)
                continue; // delivered; only its holder's acknowledgement is awaited
            var job = new DeliveryJob(message, new DrainRoute(target), target.Id, [.. message.Envelope.Recipients.Where(r => !progress.IsDone(r.Address))]);
            try
            {
                // The peer takes ownership: no XSHADOW, we will not be here to hold a shadow.
                var results = await pool.RunAsync($"drain|{target.Id}",
                    () => SmtpClientConnection.OpenAsync(target.Id, target.EndPoint, profile with { ShadowNodeId = null }, TlsMode.May, timeouts, time, cancellationToken),
                    connection => SmtpTransaction.SendAsync(connection, job, store, timeouts, cancellationToken));
                if (results.All(r => r.Outcome == DeliveryOutcome.Delivered))
                {
                    await attempt.HandedOverAsync(message, results);
                    handedOver++;
                    continue;
                }
            }
            catch (Exception ex) when (ex is IOException or TimeoutException or ObjectDisposedException or InvalidDataException)
            {
                // Unacknowledged (or its spool copy is damaged and was never completed), so the message stays ours
                // and queued; the next one gets a fresh session.
                LogHandOverFailed(message.Envelope.QueueId, target.Id, ex.Message);
            }
            failed++;
        }
        await quiescence.AcknowledgedAsync(TimeSpan.FromSeconds(30), cancellationToken);
        var report = new DrainReport(target.Id, handedOver, dropped, failed, store.Count);
        LogDrained(report.Peer, report.HandedOver, report.Dropped, report.Failed, report.Remaining);
        return report;
    }

    private sealed record DrainRoute(Peer Peer) : Route($"drain:{Peer.Id}");

    [LoggerMessage(5300, LogLevel.Warning, "Draining: taking no new mail, handing the queue to {Peer}")]
    private partial void LogDraining(string peer);

    [LoggerMessage(5302, LogLevel.Warning, "{QueueId}: not handed over to {Peer}, it stays queued here: {Reason}")]
    private partial void LogHandOverFailed(string queueId, string peer, string reason);

    [LoggerMessage(5301, LogLevel.Warning, "Drained to {Peer}: {HandedOver} message(s) handed over, {Dropped} shadow(s) dropped, {Failed} refused by the peer, {Remaining} left in the spool")]
    private partial void LogDrained(string peer, int handedOver, int dropped, int failed, int remaining);
}
