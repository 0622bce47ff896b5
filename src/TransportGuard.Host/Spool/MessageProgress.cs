using System.Collections.Immutable;

namespace TransportGuard.Spool;

internal enum RecipientStatus
{
    Delivered = 1,
    /// <summary>Permanently failed (5xx, expired, deleted with a report): owed a delivery status notification.</summary>
    Failed = 2,
}

/// <summary>The final outcome for one recipient, with what the next hop said (docs/architecture.md, Conventions 5).</summary>
/// <param name="Route">The route spec it was delivered by, and <paramref name="Destination"/> the destination (a
/// smart-host list, a domain, a mailbox server): set only for a delivery this node made itself, not a handoff to a
/// peer or a duplicate it skipped. What the Safety Net keeps and finds it by (docs/safetynet.md).</param>
internal sealed record RecipientOutcome(string Recipient, RecipientStatus Status, string StatusCode, string Diagnostic, string? RemoteMta, DateTimeOffset At,
    string? Route = null, string? Destination = null)
{
    /// <summary>A delivery this node made to a next hop that is not a peer: what the Safety Net retains.</summary>
    public bool IsOwnDelivery => Status == RecipientStatus.Delivered && Destination is not null;
}

/// <summary>
/// Where a queued message stands. Rebuilt at recovery by merging state records, so the merge must not depend on
/// the order copies were written in (a compaction snapshot can land after a newer change): outcomes and reported
/// recipients only ever grow (union), and the scalar fields come from the highest revision.
/// </summary>
internal sealed record MessageProgress(
    long Revision,
    int Attempts,
    DateTimeOffset? NextAttemptAt,
    bool Held,
    ImmutableDictionary<string, RecipientOutcome> Outcomes,
    ImmutableHashSet<string> Reported,
    ShadowRef? Shadow = null,
    bool AwaitingDiscard = false,
    string? Holder = null)
{
    /// <summary>The peer holding a shadow of this message: the one that relayed it with XSHADOW, or the one we copied
    /// it to before our 250.</summary>
    public string? HolderOf(SpooledEnvelope envelope) => Holder switch
    {
        null => envelope.ShadowHolder,
        NoHolder => null,
        _ => Holder,
    };

    /// <summary>Recorded when the planned shadow copy could not be made anywhere: no peer holds this message.</summary>
    public const string NoHolder = "-";

    public static readonly MessageProgress Initial = new(0, 0, null, false,
        ImmutableDictionary.Create<string, RecipientOutcome>(StringComparer.OrdinalIgnoreCase),
        ImmutableHashSet.Create<string>(StringComparer.OrdinalIgnoreCase));

    public MessageProgress Merge(MessageProgress other)
    {
        var latest = other.Revision > Revision ? other : this;
        var outcomes = Outcomes;
        foreach (var (recipient, outcome) in other.Outcomes)
            outcomes = outcomes.ContainsKey(recipient) ? outcomes : outcomes.Add(recipient, outcome);
        return latest with { Outcomes = outcomes, Reported = Reported.Union(other.Reported) };
    }

    public MessageProgress WithOutcomes(IEnumerable<RecipientOutcome> outcomes)
    {
        var merged = Outcomes;
        foreach (var outcome in outcomes)
            merged = merged.ContainsKey(outcome.Recipient) ? merged : merged.Add(outcome.Recipient, outcome);
        return this with { Outcomes = merged };
    }

    public bool IsDone(string recipient) => Outcomes.ContainsKey(recipient);

    /// <summary>Whether the queue delivers this message: not a shadow someone else is responsible for (a takeover
    /// delivers a new copy), not delivered already and only waiting for a peer's word.</summary>
    public bool Deliverable(SpooledEnvelope envelope) => !AwaitingDiscard && Shadow is null && envelope.ShadowOf is null;

    /// <summary>Failed recipients no delivery status notification has covered yet.</summary>
    public IEnumerable<RecipientOutcome> Unreported =>
        Outcomes.Values.Where(o => o.Status == RecipientStatus.Failed && !Reported.Contains(o.Recipient));
}
