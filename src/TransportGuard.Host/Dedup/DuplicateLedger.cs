using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using TransportGuard.Delivery;
using TransportGuard.Queue;
using TransportGuard.Spool;
using TransportGuard.Telemetry;

namespace TransportGuard.Dedup;

/// <summary>
/// Duplicate detection before each delivery (docs/dedup.md): a recipient whose key is in the store already has the
/// message at this destination and is not sent it again; what a next hop accepts is written as soon as its reply
/// is read. A handoff to a peer is no delivery: one that took the message as its primary (XSHADOW) leaves us its
/// shadow, and one that refused our shadow (it is stopping) copies the message to a holder itself, maybe to us; either
/// way a takeover copy may come back, and must not be suppressed by our record of the handoff. So it is not written.
/// Within the node, two copies of one message never go to one recipient at once: the second waits for a later attempt.
/// </summary>
internal sealed partial class DuplicateLedger(DuplicateStoreService stores, IMessageStore spool, NodeName node, RedundancyMetrics metrics,
    TimeProvider time, ILogger<DuplicateLedger> logger) : IDeliveryLedger
{
    /// <summary>Keys being delivered now, and the queue id delivering each.</summary>
    private readonly ConcurrentDictionary<DeliveryKey, string> _inFlight = new();

    /// <summary>What <see cref="BeforeAsync"/> claimed for a job (a message has one attempt at a time, with one job
    /// per destination), by recipient: <see cref="AfterAsync"/> writes and releases these keys without computing
    /// them again (for a message stored without its identity, that would read its content a second time).</summary>
    private readonly ConcurrentDictionary<(string QueueId, string Destination), Dictionary<string, DeliveryKey>> _claimed = new();

    public async Task<IReadOnlyList<RecipientResult>> BeforeAsync(DeliveryJob job, CancellationToken cancellationToken)
    {
        if (stores.Store is not { } store || await KeysAsync(job, cancellationToken) is not { } keys)
            return [];
        // Claimed before the store is asked, so a copy delivered in between is either seen there or still claimed.
        var results = new List<RecipientResult>();
        var asked = new List<int>();
        for (var i = 0; i < keys.Count; i++)
        {
            if (_inFlight.TryAdd(keys[i], job.QueueId))
                asked.Add(i);
            else
                results.Add(RecipientResult.Defer(job.Recipients[i].Address, "4.4.0",
                    $"the same message is being delivered to it now{(_inFlight.TryGetValue(keys[i], out var other) ? ", as " + other : "")}; tried again later"));
        }
        var found = await stores.FindOrNoneAsync(store, [.. asked.Select(i => keys[i])], job.QueueId, cancellationToken);
        var claimed = new Dictionary<string, DeliveryKey>(StringComparer.Ordinal);
        for (var j = 0; j < asked.Count; j++)
        {
            var i = asked[j];
            if (found[j] is not { } original)
            {
                claimed[job.Recipients[i].Address] = keys[i];
                continue;
            }
            _inFlight.TryRemove(KeyValuePair.Create(keys[i], job.QueueId));
            metrics.DuplicatesSuppressed.Inc();
            results.Add(new RecipientResult(job.Recipients[i].Address, DeliveryOutcome.Delivered, "2.0.0",
                $"not delivered again: {job.Destination} already has it, as {original}", null, DuplicateOf: original.ToString()));
        }
        if (claimed.Count > 0)
            _claimed[(job.QueueId, job.Destination)] = claimed;
        return results;
    }

    public async Task AfterAsync(DeliveryJob job, IReadOnlyList<RecipientResult> results)
    {
        if (!_claimed.TryRemove((job.QueueId, job.Destination), out var claimed))
            return;
        try
        {
            var delivered = results.Where(r => r is { Outcome: DeliveryOutcome.Delivered, Primary: null, Handoff: false, DuplicateOf: null })
                .Select(r => r.Recipient).ToHashSet(StringComparer.Ordinal);
            var entry = new DeliveredEntry(node.Value, job.QueueId, time.GetUtcNow());
            var entries = claimed.Where(c => delivered.Contains(c.Key)).Select(c => KeyValuePair.Create(c.Value, entry)).ToList();
            if (entries.Count > 0 && stores.Store is { } store)
                await stores.RecordOrLogAsync(store, entries, job.QueueId);
        }
        finally
        {
            foreach (var key in claimed.Values)
                _inFlight.TryRemove(KeyValuePair.Create(key, job.QueueId));
        }
    }

    /// <summary>One key per recipient of the job, in order; null when the message's identity cannot be read.</summary>
    private async Task<IReadOnlyList<DeliveryKey>?> KeysAsync(DeliveryJob job, CancellationToken cancellationToken)
    {
        var identity = job.Envelope.Identity;
        if (identity is null)
        {
            try
            {
                // Stored before identities were recorded: read it once from the copy.
                identity = await ContentIdentity.OfAsync(spool.ReadChunksAsync(job.Envelope, cancellationToken), cancellationToken);
            }
            catch (Exception ex) when (ex is IOException or InvalidDataException)
            {
                LogNoIdentity(job.QueueId, ex.Message);
                return null;
            }
        }
        return [.. job.Recipients.Select(r => DeliveryKey.Of(identity.Id, identity.BodySha256, r.Address, job.Destination))];
    }

    [LoggerMessage(8001, LogLevel.Warning, "{QueueId}: its identity cannot be read ({Reason}); delivered without duplicate detection")]
    private partial void LogNoIdentity(string queueId, string reason);
}
