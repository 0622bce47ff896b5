using System.Collections.Concurrent;
using TransportGuard.Spool;

namespace TransportGuard.Shadow;

/// <summary>
/// The holder's side of XQUERYTAKEN (docs/protocol.md, Fencing): what it took over from a primary, in pages of at
/// most <see cref="PageSize"/> ids in queue-id order, so an answer of any size fits bounded replies. Answering
/// changes nothing: a delivered copy kept for the question is forgotten only when the primary acknowledges the
/// answer (ACK), after it has dropped what was taken; a lost or timed-out reply is simply asked again. Until then
/// the takeover is outstanding, and our heartbeats to that primary say TAKEN.
/// </summary>
internal sealed class TakenReports(IMessageStore store)
{
    /// <summary>50 lines of 20 ids: well within a reply's line limit.</summary>
    public const int PageSize = 1000;

    /// <summary>Per primary, the ids reported to it since its last acknowledgement.</summary>
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, byte>> _reported = new(StringComparer.Ordinal);

    /// <summary>Per primary, the ids taken over here that it has not acknowledged (rebuilt at start from the copies
    /// in the spool, so a restart forgets no takeover; it may only ask once more).</summary>
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, byte>> _outstanding = new(StringComparer.Ordinal);

    /// <summary>A takeover of <paramref name="primaryQueueId"/> is under way or done: recorded before the copy is written.</summary>
    public void Add(string primary, string primaryQueueId) => _outstanding.GetOrAdd(primary, _ => new(StringComparer.Ordinal))[primaryQueueId] = 0;

    /// <summary>Whether the primary has yet to acknowledge a takeover of ours.</summary>
    public bool Outstanding(string primary) => _outstanding.TryGetValue(primary, out var ids) && !ids.IsEmpty;

    /// <summary>The primary's queue ids taken over here after <paramref name="after"/>, and the id to continue
    /// after when there are more.</summary>
    public (IReadOnlyList<string> Page, string? Next) Page(string primary, string? after)
    {
        var ids = TakenFrom(primary).Select(m => m.Envelope.TakenOverFrom!.PrimaryQueueId)
            .Where(id => after is null || string.CompareOrdinal(id, after) > 0)
            .Order(StringComparer.Ordinal).Take(PageSize + 1).ToList();
        var page = ids.Take(PageSize).ToList();
        var reported = _reported.GetOrAdd(primary, _ => new(StringComparer.Ordinal));
        foreach (var id in page)
            reported[id] = 0;
        return (page, ids.Count > PageSize ? page[^1] : null);
    }

    /// <summary>The primary has acted on the answer: the delivered copies it was told of are no longer kept for it.
    /// Returns how many were forgotten.</summary>
    public async Task<int> AcknowledgeAsync(string primary)
    {
        if (!_reported.TryRemove(primary, out var reported))
            return 0;
        if (_outstanding.TryGetValue(primary, out var outstanding))
            foreach (var id in reported.Keys)
                outstanding.TryRemove(id, out _);
        var forgotten = 0;
        foreach (var message in TakenFrom(primary).ToList())
        {
            if (!reported.ContainsKey(message.Envelope.TakenOverFrom!.PrimaryQueueId) || !store.Progress(message.Envelope.QueueId).AwaitingDiscard)
                continue;
            await store.MarkFinishedAsync(message.Envelope.QueueId, $"takeover reported to {primary}");
            forgotten++;
        }
        return forgotten;
    }

    /// <summary>
    /// The primary sent a discard notice for a message we took over: it had ended the message itself (delivered or
    /// bounced it) before it went down, so it will never ask about it, and our copy is a duplicate kept (or queued)
    /// for nothing. The copy ends here. Returns whether there was one.
    /// </summary>
    public async Task<bool> PrimaryEndedAsync(string primary, string primaryQueueId)
    {
        if (!_outstanding.TryGetValue(primary, out var taken) || !taken.ContainsKey(primaryQueueId))
            return false; // the common case (a notice repeated after a lost reply): no scan of the spool
        var copies = TakenFrom(primary).Where(m => m.Envelope.TakenOverFrom!.PrimaryQueueId == primaryQueueId).ToList();
        foreach (var copy in copies)
            await store.MarkFinishedAsync(copy.Envelope.QueueId, $"{primary} had ended {primaryQueueId} itself (its discard notice)");
        if (_outstanding.TryGetValue(primary, out var outstanding))
            outstanding.TryRemove(primaryQueueId, out _);
        if (_reported.TryGetValue(primary, out var reported))
            reported.TryRemove(primaryQueueId, out _);
        return copies.Count > 0;
    }

    private IEnumerable<SpooledMessage> TakenFrom(string primary) =>
        store.Unordered.Where(m => m.Envelope.TakenOverFrom?.Primary == primary);
}
