using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TransportGuard.Delivery;
using TransportGuard.Delivery.Routing;
using TransportGuard.Delivery.Smtp;
using TransportGuard.Queue;
using TransportGuard.Smtp;
using TransportGuard.Spool;
using TransportGuard.Tracking;

namespace TransportGuard.Shadow;

/// <param name="Busy">Messages still being delivered when the drain came to them: never handed over (the delivery
/// may be accepted too), left queued; a drain run again hands them over.</param>
/// <param name="Running">The drain is still going (the caller stopped waiting for it); ask again for its report.</param>
internal sealed record DrainReport(string Peer, int HandedOver, int Dropped, int Failed, int Remaining, int Busy = 0, bool Running = false);

/// <summary>
/// Takes a node out for maintenance (docs/protocol.md, Drain; Exchange lets an operator remove a hub at any time): it
/// stops taking mail, lets running deliveries finish, hands every queued message to a peer over SMTP (the peer
/// becomes its owner), drops the shadows it held for others (their primaries still have the messages), and waits
/// until the holders of what it handed on have acknowledged their discard notices. Then it can be stopped with an
/// empty queue. A drain runs on its own, not on its caller's time: an operator's HTTP call that times out leaves it
/// going; calling again waits for the same drain, or once it has ended drains what is left (resumes); a cancel
/// stops it and puts the node back in service.
/// </summary>
internal sealed partial class NodeDrain(Quiescence quiescence, DeliveryAttempt attempt, IMessageStore store, PeerDirectory peers, QueueScheduler scheduler,
    SmtpConnectionPool pool, SmtpClientProfile profile, IOptions<DeliveryOptions> delivery, IMessageTracker tracker, TimeProvider time, ILogger<NodeDrain> logger)
{
    private readonly Lock _lock = new();
    private (Task<DrainReport> Task, CancellationTokenSource Cancel, string Peer)? _current;

    /// <summary>Starts a drain to <paramref name="peerId"/> (or joins the one running) and waits for its report, or
    /// until <paramref name="cancellationToken"/>: then the report says it is still running.</summary>
    public async Task<DrainReport> DrainAsync(string? peerId, CancellationToken cancellationToken)
    {
        Task<DrainReport> running;
        string peer;
        lock (_lock)
        {
            if (_current is not { Task.IsCompleted: false })
            {
                var target = (peerId is null ? peers.Peers.FirstOrDefault(p => !peers.IsDown(p.Id)) : peers.ById(peerId))
                    ?? throw new InvalidOperationException(peerId is null ? "no live peer to drain to" : $"{peerId} is not a configured peer");
                var cancel = new CancellationTokenSource();
                _current = (Task.Run(() => RunAsync(target, cancel.Token)), cancel, target.Id);
            }
            else if (peerId is not null && peerId != _current.Value.Peer)
                throw new InvalidOperationException($"a drain to {_current.Value.Peer} is running");
            (running, peer) = (_current.Value.Task, _current.Value.Peer);
        }
        try
        {
            return await running.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested && !running.IsCompleted)
        {
            return new DrainReport(peer, 0, 0, 0, store.Count, Running: true);
        }
    }

    /// <summary>Stops a running drain (what it handed over stays handed over) and takes the node back into service.
    /// False when there was nothing to cancel: no drain, or none since the last cancel.</summary>
    public async Task<bool> CancelAsync()
    {
        (Task<DrainReport> Task, CancellationTokenSource Cancel, string Peer)? current;
        lock (_lock)
        {
            current = _current;
            _current = null;
        }
        if (current is not { } drain)
            return false;
        await drain.Cancel.CancelAsync();
        try
        {
            await drain.Task;
        }
        catch (OperationCanceledException)
        {
            // cancelled where it was: every message is either handed over (and recorded so) or still ours
        }
        quiescence.Resume();
        LogCancelled(drain.Peer);
        return true;
    }

    private async Task<DrainReport> RunAsync(Peer target, CancellationToken cancellationToken)
    {
        LogDraining(target.Id);
        await quiescence.StopTakingWorkAsync(TimeSpan.FromSeconds(60), cancellationToken);

        int handedOver = 0, dropped = 0, failed = 0, busy = 0;
        var timeouts = new SmtpClientTimeouts(delivery.Value.ConnectTimeout, delivery.Value.CommandTimeout, delivery.Value.DataTimeout);
        foreach (var message in store.Messages.ToList())
        {
            // A cancel is looked at between messages only: one cut mid-transaction might be accepted by the peer
            // while we keep it too. A handover is bounded by the SMTP timeouts.
            cancellationToken.ThrowIfCancellationRequested();
            var progress = store.Progress(message.Envelope.QueueId);
            if (message.Envelope.ShadowOf is not null || progress.Shadow is not null)
            {
                await store.MarkFinishedAsync(message.Envelope.QueueId, "shadow dropped: this node was drained");
                dropped++;
                continue;
            }
            if (progress.AwaitingDiscard)
                continue; // delivered; only its holder's acknowledgement is awaited
            if (scheduler.IsActive(message.Envelope.QueueId))
            {
                // Still being delivered after the wait: handing it over too could deliver it twice.
                busy++;
                continue;
            }
            var job = new DeliveryJob(message, new DrainRoute(target), target.Id, [.. message.Envelope.Recipients.Where(r => !progress.IsDone(r.Address))]);
            try
            {
                // The peer takes ownership: no XSHADOW, we will not be here to hold a shadow.
                var results = await pool.RunAsync($"drain|{target.Id}",
                    () => peers.ConnectAsync(target, profile with { ShadowNodeId = null }, timeouts, time, CancellationToken.None),
                    connection => SmtpTransaction.SendAsync(connection, job, store, timeouts, CancellationToken.None));
                if (results.All(r => r.Outcome == DeliveryOutcome.Delivered))
                {
                    var reply = results.Count > 0 ? results[0] : null;
                    tracker.Record(message.Envelope.Tracked(TrackingEventKind.HandOver, job.Recipients.Select(r => r.Address)) with
                    {
                        Peer = target.Id, Host = reply?.RemoteMta, Status = reply?.Status, Reply = reply?.Diagnostic,
                        Detail = $"handed over to {target.Id} by a drain: it owns the message now",
                    });
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
        var report = new DrainReport(target.Id, handedOver, dropped, failed, store.Count, busy);
        LogDrained(report.Peer, report.HandedOver, report.Dropped, report.Failed, report.Busy, report.Remaining);
        return report;
    }

    private sealed record DrainRoute(Peer Peer) : Route($"drain:{Peer.Id}");

    [LoggerMessage(5300, LogLevel.Warning, "Draining: taking no new mail, handing the queue to {Peer}")]
    private partial void LogDraining(string peer);

    [LoggerMessage(5302, LogLevel.Warning, "{QueueId}: not handed over to {Peer}, it stays queued here: {Reason}")]
    private partial void LogHandOverFailed(string queueId, string peer, string reason);

    [LoggerMessage(5301, LogLevel.Warning, "Drained to {Peer}: {HandedOver} message(s) handed over, {Dropped} shadow(s) dropped, {Failed} refused by the peer, {Busy} still being delivered, {Remaining} left in the spool")]
    private partial void LogDrained(string peer, int handedOver, int dropped, int failed, int busy, int remaining);

    [LoggerMessage(5303, LogLevel.Warning, "Drain to {Peer} cancelled: taking mail and delivering again")]
    private partial void LogCancelled(string peer);
}
