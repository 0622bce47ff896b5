using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TransportGuard.Spool;
using TransportGuard.Tracking;

namespace TransportGuard.SafetyNet;

/// <summary>
/// Runs resubmit requests (docs/safetynet.md, Resubmit): each matching message becomes a new queue entry with the
/// recipients whose deliveries matched, marked with the request id, and goes through the queue like any other:
/// duplicate detection drops what a destination already has, and a failure never bounces a second time.
/// </summary>
internal sealed partial class Resubmitter(IMessageStore store, SafetyNetCatalog catalog, QueueIdGenerator ids, ResubmitHistory history,
    SafetyNetMetrics metrics, IMessageTracker tracker, IOptions<SafetyNetOptions> options, TimeProvider time, ILogger<Resubmitter> logger)
{
    private const int ListedIds = 1000;

    /// <param name="taken">The (message, recipient) pairs an earlier pass of the same cause resubmitted (a failover's
    /// second look): skipped, and what this pass copies is added. By pair, not by message: a recipient of a message
    /// the first look took, delivered to the old active after it (a retry under way at the move), is the second
    /// look's to take.</param>
    public async Task<ResubmitResult> RunAsync(ResubmitFilter filter, string? resubmitTo, bool dryRun, string trigger, CancellationToken cancellationToken,
        ConcurrentDictionary<string, bool>? taken = null)
    {
        var requestId = "RS" + ids.Next();
        var picks = Choose(filter);
        if (taken is not null && !dryRun)
            picks = [.. picks.Select(p => p with { Recipients = [.. p.Recipients.Where(r => taken.TryAdd(p.Identity + "\n" + r, true))] })
                .Where(p => p.Recipients.Count > 0)];
        metrics.Request(trigger);
        var recipients = picks.Sum(p => p.Recipients.Count);
        if (dryRun)
            return Done(new ResubmitResult(requestId, trigger, time.GetUtcNow(), filter, resubmitTo, true, picks.Count, recipients, 0, 0, [],
                $"dry run: {picks.Count} message(s), {recipients} recipient(s) would be resubmitted"));

        var queued = new ConcurrentBag<string>();
        var failed = 0;
        await Parallel.ForEachAsync(picks, new ParallelOptions { MaxDegreeOfParallelism = options.Value.ResubmitConcurrency, CancellationToken = cancellationToken },
            async (pick, token) =>
            {
                try
                {
                    queued.Add(await CopyAsync(pick, requestId, resubmitTo, token));
                }
                catch (Exception ex) when (ex is IOException or InvalidDataException or FASTER.core.FasterException)
                {
                    // Let go meanwhile (its records truncated), or the spool refuses writes: counted, reported.
                    Interlocked.Increment(ref failed);
                    LogCopyFailed(requestId, pick.Message.Envelope.QueueId, ex.Message);
                }
            });
        metrics.Resubmitted(trigger, queued.Count);
        var note = failed == 0 ? $"{queued.Count} message(s) queued again, {recipients} recipient(s)"
            : $"{queued.Count} message(s) queued again, {failed} could not be read or stored (see the log)";
        return Done(new ResubmitResult(requestId, trigger, time.GetUtcNow(), filter, resubmitTo, false, picks.Count, recipients, queued.Count, failed,
            [.. queued.Order(StringComparer.Ordinal).Take(ListedIds)], note));
    }

    private ResubmitResult Done(ResubmitResult result)
    {
        history.Add(result);
        LogRequest(result.RequestId, result.Trigger, result.Filter.ToString(), result.DryRun, result.Matched, result.Recipients, result.Resubmitted, result.Failed);
        return result;
    }

    /// <param name="Identity">What tells the message from others (<see cref="IdentityOf"/>).</param>
    private sealed record Choice(KeptMessage Message, string Identity, IReadOnlyList<string> Recipients);

    /// <summary>Each message with the recipients whose deliveries match; one message and recipient once only (the
    /// latest copy), so a resubmitted copy that is itself kept does not double a later request.</summary>
    private List<Choice> Choose(ResubmitFilter filter)
    {
        var latest = new Dictionary<(string Message, string Recipient), (KeptMessage Message, DateTimeOffset At)>();
        foreach (var message in catalog.Messages())
        {
            var identity = IdentityOf(message.Envelope);
            foreach (var delivery in message.Deliveries.Where(d => filter.Matches(message.Envelope, d)))
            {
                var key = (identity, delivery.Recipient.ToLowerInvariant());
                if (!latest.TryGetValue(key, out var known) || known.At < delivery.At)
                    latest[key] = (message, delivery.At);
            }
        }
        return [.. latest.GroupBy(e => e.Value.Message.Envelope.QueueId)
            .Select(g => new Choice(g.First().Value.Message, g.First().Key.Message, [.. g.Select(e => e.Key.Recipient)]))
            .OrderBy(p => p.Message.LastDelivery)];
    }

    /// <summary>What tells one message from another here, as duplicate detection does (docs/dedup.md, The key); the
    /// queue id for a message stored without its identity.</summary>
    private static string IdentityOf(SpooledEnvelope envelope) =>
        envelope.Identity is { } id ? id.Id + "/" + id.BodySha256 : envelope.QueueId;

    /// <summary>A new queue entry: the original's content and envelope, only the chosen recipients, received now (its
    /// queue lifetime starts again), no shadow or takeover marks, and the request that made it.</summary>
    private async Task<string> CopyAsync(Choice pick, string requestId, string? resubmitTo, CancellationToken cancellationToken)
    {
        var original = pick.Message.Envelope;
        var content = await store.ReadContentAsync(original, cancellationToken);
        var chosen = pick.Recipients.ToHashSet(StringComparer.OrdinalIgnoreCase);
        var copy = await store.StoreAsync(original with
        {
            QueueId = ids.Next(),
            Recipients = [.. original.Recipients.Where(r => chosen.Contains(r.Address))],
            ReceivedAt = time.GetUtcNow(),
            Chunks = [],
            Bounce = null,
            ShadowHolder = null,
            ShadowOf = null,
            TakenOverFrom = null,
            Resubmit = new ResubmitRef(requestId, original.QueueId, resubmitTo),
        }, content, cancellationToken);
        LogCopied(requestId, original.QueueId, copy.Envelope.QueueId, copy.Envelope.Recipients.Count);
        tracker.Record(TrackingEvent.Resubmitted(copy.Envelope.QueueId, original.QueueId, requestId, original.ReversePath,
            [.. copy.Envelope.Recipients.Select(r => r.Address)], original.Identity?.MessageId));
        return copy.Envelope.QueueId;
    }

    [LoggerMessage(9210, LogLevel.Information, "Safety Net resubmit {RequestId} ({Trigger}): {Filter}, dry run {DryRun}: {Matched} message(s), {Recipients} recipient(s) matched, {Resubmitted} queued, {Failed} failed")]
    private partial void LogRequest(string requestId, string trigger, string filter, bool dryRun, int matched, int recipients, int resubmitted, int failed);

    [LoggerMessage(9211, LogLevel.Information, "{QueueId}: resubmitted by {RequestId} from {Original}, {Recipients} recipient(s)")]
    private partial void LogCopied(string requestId, string original, string queueId, int recipients);

    [LoggerMessage(9212, LogLevel.Warning, "Safety Net resubmit {RequestId}: {Original} not resubmitted ({Reason})")]
    private partial void LogCopyFailed(string requestId, string original, string reason);
}
