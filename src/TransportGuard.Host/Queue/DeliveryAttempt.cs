using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TransportGuard.Delivery;
using TransportGuard.Delivery.Routing;
using TransportGuard.Spool;
using TransportGuard.Tracking;

namespace TransportGuard.Queue;

/// <summary>
/// One delivery attempt and what follows it (docs/architecture.md, the walk of a message): every recipient still
/// pending, split into one job per route and destination, all jobs run at once (each within its destination's
/// limit); then the outcomes are recorded, failures reported, and the message finished, kept (a keeper asks) or
/// left for its next attempt.
/// </summary>
internal sealed partial class DeliveryAttempt(IMessageStore store, RouteTable routes, DeliveryAgents agents, BounceWriter bounces,
    IEnumerable<IMessageKeeper> keepers, IDeliveryLedger ledger, IOptions<QueueOptions> options, DeliveryMetrics metrics, IMessageTracker tracker,
    TimeProvider time, ILogger<DeliveryAttempt> logger) : IDisposable
{
    private readonly QueueOptions _options = options.Value;
    private readonly IReadOnlyList<IMessageKeeper> _keepers = [.. keepers];
    private readonly DestinationScheduler _destinations = new(options.Value.MaxConcurrentDeliveries, options.Value.MaxConcurrencyPerDestination);
    private readonly ConcurrentDictionary<string, string> _lastError = new(StringComparer.Ordinal);

    /// <summary>Runs the attempt; returns the progress to schedule the message by, or null when it is finished or kept.</summary>
    /// <param name="mayComplete">Asked by each job just before its point of no return.</param>
    public async Task<MessageProgress?> RunAsync(SpooledMessage message, Func<bool> mayComplete, CancellationToken stoppingToken)
    {
        var envelope = message.Envelope;
        var progress = store.Progress(envelope.QueueId);
        var now = time.GetUtcNow();
        var pending = envelope.Recipients.Where(r => !progress.IsDone(r.Address)).ToList();
        if (pending.Count > 0 && now >= ExpiresAt(envelope))
        {
            // RFC 5321 4.5.4.1: give up after the queue lifetime and return the message (RFC 3463 4.4.7).
            var expired = pending.Select(r => new RecipientOutcome(r.Address, RecipientStatus.Failed, "4.4.7",
                $"delivery time expired after {_options.MaxQueueLifetime.TotalDays:0.#} days{LastErrorSuffix(envelope.QueueId)}", null, now));
            LogExpired(envelope.QueueId, pending.Count);
            tracker.Record(envelope.Tracked(TrackingEventKind.Expire, pending.Select(r => r.Address)) with
            {
                Status = "4.4.7", Reply = LastError(envelope.QueueId), Detail = $"not delivered within Queue:MaxQueueLifetime ({_options.MaxQueueLifetime.TotalDays:0.#} days)",
            });
            progress = await store.RecordProgressAsync(envelope.QueueId, p => p.WithOutcomes(expired), "expired");
        }
        else if (pending.Count > 0)
        {
            var refused = 0;
            bool MayComplete()
            {
                if (mayComplete())
                    return true;
                Interlocked.Exchange(ref refused, 1);
                return false;
            }
            var jobs = pending.GroupBy(r => routes.Target(r.Address, envelope.Resubmit?.Route))
                .Select(g => new DeliveryJob(message, g.Key.Route, g.Key.Destination, [.. g], MayComplete));
            var remembering = new ConcurrentBag<Task>();
            var results = (await Task.WhenAll(jobs.Select(job => RunJobAsync(job, remembering, stoppingToken)))).SelectMany(r => r).ToList();
            try
            {
                if (results.All(r => r.Outcome == DeliveryOutcome.Delivered) && !progress.Unreported.Any())
                {
                    await DeliveredAsync(message, progress, results);
                    return null;
                }
                progress = await RecordAsync(envelope, results, again: Volatile.Read(ref refused) != 0 || stoppingToken.IsCancellationRequested);
            }
            finally
            {
                // The ledger's writes began first; their commits and the spool's run side by side (measured:
                // awaiting one before the other cost a fifth of the relay rate with 100 sessions, bench/RESULTS.md).
                await Task.WhenAll(remembering);
            }
            return progress is null ? null : await SettleAsync(message, progress, results);
        }
        return progress is null ? null : await SettleAsync(message, progress);
    }

    /// <summary>What an operator and the expiry report saw last for a deferred message.</summary>
    public string? LastError(string queueId) => _lastError.GetValueOrDefault(queueId);

    public void Dispose() => _destinations.Dispose();

    /// <summary>One job: recipients the ledger says already have the message are not sent again; the rest go to
    /// the next hop, and the ledger hears what it accepted before anything else happens (docs/dedup.md).</summary>
    /// <param name="remembering">Where the ledger's write of what the next hop accepted goes, begun first and
    /// awaited by the caller once the outcomes are recorded.</param>
    private async Task<IReadOnlyList<RecipientResult>> RunJobAsync(DeliveryJob job, ConcurrentBag<Task> remembering, CancellationToken stoppingToken)
    {
        var known = await ledger.BeforeAsync(job, stoppingToken);
        foreach (var group in known.GroupBy(r => (r.Outcome, r.Diagnostic)))
            Report(job, [.. group], relay: null, 0);
        var send = job with { Recipients = [.. job.Recipients.Where(r => !known.Any(k => k.Recipient == r.Address))] };
        return send.Recipients.Count == 0 ? known : [.. known, .. await SendAsync(send, remembering, stoppingToken)];
    }

    private async Task<IReadOnlyList<RecipientResult>> SendAsync(DeliveryJob job, ConcurrentBag<Task> remembering, CancellationToken stoppingToken)
    {
        var started = time.GetTimestamp();
        IReadOnlyList<RecipientResult> results;
        try
        {
            results = await _destinations.RunAsync(job.Destination, () => agents.For(job.Route).DeliverAsync(job, stoppingToken), stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopped past the grace period: this job is deferred, and what the other jobs' next hops accepted is
            // still recorded (else it would be delivered again after the restart).
            results = [.. job.Recipients.Select(r => RecipientResult.Defer(r.Address, "4.3.2", $"delivery to {job.Destination} stopped: the gateway is stopping"))];
        }
        catch (Exception ex)
        {
            LogJobFailed(ex, job.QueueId, job.Destination);
            results = [.. job.Recipients.Select(r => RecipientResult.Defer(r.Address, "4.3.0", $"delivery to {job.Destination} failed: {ex.Message}"))];
        }
        results = [.. results.Select(r => r with { Route = job.Route.Spec, Destination = job.Destination })];
        // First, before the log, the metrics and the spool's record: the window in which a crash can still cause a
        // duplicate is this one write.
        remembering.Add(ledger.AfterAsync(job, results));
        var elapsed = time.GetElapsedTime(started);
        metrics.Delivered(results, elapsed);
        var delay = elapsed.TotalSeconds;
        foreach (var group in results.GroupBy(r => (r.Outcome, r.Diagnostic, r.RemoteMta)))
            Report(job, [.. group], group.Key.RemoteMta ?? job.Route.Spec, delay);
        return results;
    }

    /// <summary>Writes this attempt's outcomes, and the next attempt's time if anything was deferred, durably. A
    /// delivery a gate abandoned at its point of no return, or one cut short by a stop, is no failure of the next
    /// hop (<paramref name="again"/>): it goes again as soon as the gate lets it start, or at the restart, without a
    /// backoff.</summary>
    private async Task<MessageProgress?> RecordAsync(SpooledEnvelope envelope, List<RecipientResult> results, bool again)
    {
        var now = time.GetUtcNow();
        var final = results.Where(r => r.Outcome != DeliveryOutcome.Deferred)
            .Select(r => r.ToOutcome(now))
            .ToList();
        var deferred = results.Where(r => r.Outcome == DeliveryOutcome.Deferred).ToList();
        if (deferred.Count > 0)
            _lastError[envelope.QueueId] = deferred[0].Diagnostic;
        return await store.RecordProgressAsync(envelope.QueueId, p => deferred.Count == 0 || again
            ? p.WithOutcomes(final) with { NextAttemptAt = null }
            : p.WithOutcomes(final) with
            {
                Attempts = p.Attempts + 1,
                NextAttemptAt = RetrySchedule.Next(now, p.Attempts + 1, ExpiresAt(envelope), _options, Random.Shared.NextDouble()),
            }, deferred.Count == 0 ? "attempt" : again ? "abandoned before completion; again without a backoff" : "deferred");
    }

    private DateTimeOffset ExpiresAt(SpooledEnvelope envelope) => envelope.ReceivedAt + _options.MaxQueueLifetime;

    private string LastErrorSuffix(string queueId) => LastError(queueId) is { } error ? $"; last error: {error}" : "";
}
