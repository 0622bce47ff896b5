using TransportGuard.Delivery;
using TransportGuard.Delivery.Routing;
using TransportGuard.Spool;

namespace TransportGuard.Queue;

public sealed partial class QueueManager
{
    /// <summary>
    /// One delivery attempt: every recipient still pending, split into one job per route and destination, all jobs
    /// run at once (each within its destination's limit); then the outcomes are recorded, failures reported and
    /// the message finished or deferred.
    /// </summary>
    private async Task AttemptAsync(SpooledMessage message, CancellationToken stoppingToken)
    {
        var envelope = message.Envelope;
        var progress = Spool.Index.Progress(envelope.QueueId);
        var now = _time.GetUtcNow();
        var pending = envelope.Recipients.Where(r => !progress.IsDone(r.Address)).ToList();
        if (pending.Count > 0 && now >= ExpiresAt(envelope))
        {
            // RFC 5321 4.5.4.1: give up after the queue lifetime and return the message (RFC 3463 4.4.7).
            var expired = pending.Select(r => new RecipientOutcome(r.Address, RecipientStatus.Failed, "4.4.7",
                $"delivery time expired after {_options.MaxQueueLifetime.TotalDays:0.#} days{LastError(envelope.QueueId)}", null, now));
            LogExpired(envelope.QueueId, pending.Count);
            progress = await Spool.RecordProgressAsync(envelope.QueueId, p => p.WithOutcomes(expired), "expired");
        }
        else if (pending.Count > 0)
        {
            var jobs = pending.GroupBy(r => Target(r.Address))
                .Select(g => new DeliveryJob(message, g.Key.Route, g.Key.Destination, [.. g], () => Spool.Index.TryGet(envelope.QueueId, out _) && !LeaseLapsed(envelope)));
            var results = (await Task.WhenAll(jobs.Select(job => RunJobAsync(job, stoppingToken)))).SelectMany(r => r).ToList();
            if (results.All(r => r.Outcome == DeliveryOutcome.Delivered) && !progress.Unreported.Any())
            {
                await DeliveredAsync(envelope, progress, results);
                return;
            }
            progress = await RecordAsync(envelope, results);
        }
        if (progress is not null)
            await SettleAsync(message, progress);
    }

    private (Route Route, string Destination) Target(string recipient)
    {
        var route = _routes.Resolve(recipient);
        // Concurrency and connection reuse are per destination: per smart-host list or Maildir, per domain for MX.
        return (route, route is MxRoute ? RouteTable.Domain(recipient) : route.Spec);
    }

    private async Task<IReadOnlyList<RecipientResult>> RunJobAsync(DeliveryJob job, CancellationToken stoppingToken)
    {
        var started = _time.GetTimestamp();
        IReadOnlyList<RecipientResult> results;
        try
        {
            results = await _scheduler.RunAsync(job.Destination, () => _agents.For(job.Route).DeliverAsync(job, stoppingToken), stoppingToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
        {
            LogJobFailed(ex, job.QueueId, job.Destination);
            results = [.. job.Recipients.Select(r => RecipientResult.Defer(r.Address, "4.3.0", $"delivery to {job.Destination} failed: {ex.Message}"))];
        }
        var elapsed = _time.GetElapsedTime(started);
        _metrics.Delivered(results, elapsed);
        var delay = elapsed.TotalSeconds;
        foreach (var group in results.GroupBy(r => (r.Outcome, r.Diagnostic, r.RemoteMta)))
            LogDelivery(job.QueueId, string.Join(",", group.Select(r => $"<{r.Recipient}>")), group.Key.RemoteMta ?? job.Route.Spec,
                Describe(group.Key.Outcome), group.First().Status, group.Key.Diagnostic, delay);
        return results;
    }

    /// <summary>Writes this attempt's outcomes, and the next attempt's time if anything was deferred, durably.</summary>
    private async Task<MessageProgress?> RecordAsync(SpooledEnvelope envelope, List<RecipientResult> results)
    {
        var now = _time.GetUtcNow();
        var final = results.Where(r => r.Outcome != DeliveryOutcome.Deferred)
            .Select(r => new RecipientOutcome(r.Recipient, r.Outcome == DeliveryOutcome.Delivered ? RecipientStatus.Delivered : RecipientStatus.Failed,
                r.Status, r.Diagnostic, r.RemoteMta, now))
            .ToList();
        var deferred = results.Where(r => r.Outcome == DeliveryOutcome.Deferred).ToList();
        if (deferred.Count > 0)
            _lastError[envelope.QueueId] = deferred[0].Diagnostic;
        return await Spool.RecordProgressAsync(envelope.QueueId, p => deferred.Count == 0
            ? p.WithOutcomes(final) with { NextAttemptAt = null }
            : p.WithOutcomes(final) with
            {
                Attempts = p.Attempts + 1,
                NextAttemptAt = RetrySchedule.Next(now, p.Attempts + 1, ExpiresAt(envelope), _options, Random.Shared.NextDouble()),
            }, deferred.Count == 0 ? "attempt" : "deferred");
    }

    private DateTimeOffset ExpiresAt(SpooledEnvelope envelope) => envelope.ReceivedAt + _options.MaxQueueLifetime;

    private string LastError(string queueId) => _lastError.TryGetValue(queueId, out var error) ? $"; last error: {error}" : "";

    private static string Describe(DeliveryOutcome outcome) => outcome switch
    {
        DeliveryOutcome.Delivered => "sent",
        DeliveryOutcome.Deferred => "deferred",
        _ => "bounced",
    };
}
