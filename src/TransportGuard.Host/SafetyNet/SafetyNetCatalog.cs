using TransportGuard.Spool;

namespace TransportGuard.SafetyNet;

/// <summary>A message the Safety Net can resubmit: its envelope, where its content is, and its deliveries of our own.</summary>
internal sealed record KeptMessage(SpooledEnvelope Envelope, IReadOnlyList<RecipientOutcome> Deliveries, bool Live)
{
    public DateTimeOffset LastDelivery => Deliveries.Max(d => d.At);
}

/// <summary>
/// Everything this node delivered and still holds (docs/safetynet.md): the retained messages, and the live ones
/// with deliveries already made (kept until a shadow holder's discard notice, or partly deferred), which a failover
/// must not miss either. Live first, retained second: the spool retains a message before its index lets it go,
/// so one finishing meanwhile is seen at least once (twice at most, and told apart by queue id).
/// </summary>
internal sealed class SafetyNetCatalog(IMessageStore store)
{
    public IEnumerable<KeptMessage> Messages()
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var message in store.Unordered)
        {
            var own = store.Progress(message.Envelope.QueueId).Outcomes.Values.Where(o => o.IsOwnDelivery).ToList();
            if (own.Count > 0 && seen.Add(message.Envelope.QueueId))
                yield return new KeptMessage(message.Envelope, own, Live: true);
        }
        foreach (var retained in store.Retained.All)
            if (seen.Add(retained.QueueId))
                yield return new KeptMessage(retained.Envelope, retained.Deliveries, Live: false);
    }
}
