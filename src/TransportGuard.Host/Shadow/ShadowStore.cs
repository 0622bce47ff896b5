using System.Collections.Concurrent;
using TransportGuard.Spool;

namespace TransportGuard.Shadow;

/// <summary>
/// The holder's index of its shadows, by primary: the primary's queue id (what discard notices name) to ours.
/// Rebuilt from the spool at start; the spool is the record, this is the lookup.
/// </summary>
internal sealed class ShadowStore(TimeProvider time)
{
    /// <summary>How long a discard notice for a shadow we do not hold is remembered, for a copy still on its way.</summary>
    public static readonly TimeSpan EarlyNoticeLifetime = TimeSpan.FromMinutes(10);
    private const int MaxEarlyNotices = 100_000;

    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, string>> _byPrimary = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string Primary, string QueueId), DateTimeOffset> _early = new();

    public void Add(ShadowRef shadow, string localQueueId) => Add(shadow.Primary, shadow.PrimaryQueueId, localQueueId);

    /// <summary>
    /// A discard notice named a shadow we do not hold: a copy whose sender gave up waiting for our 250 may still
    /// commit here (docs/protocol.md, Copies), or a message we handed to its primary may not be kept yet (its keep
    /// record is still being written). Remembered for <see cref="EarlyNoticeLifetime"/>; then the index is looked at
    /// once more, since the shadow may have been indexed meanwhile by one that looked for this notice too early
    /// (<see cref="AddUnlessDiscarded"/>). True, with its local queue id, when it was: taken out here, the caller
    /// releases it.
    /// </summary>
    public bool NoticeBeforeCopy(string primary, string primaryQueueId, out string localQueueId)
    {
        var now = time.GetUtcNow();
        if (_early.Count >= MaxEarlyNotices)
            foreach (var old in _early.Where(e => e.Value < now).Select(e => e.Key).ToList())
                _early.TryRemove(old, out _);
        if (_early.Count < MaxEarlyNotices)
            _early[(primary, primaryQueueId)] = now + EarlyNoticeLifetime;
        if (!TryRemove(primary, primaryQueueId, out localQueueId))
            return false;
        _early.TryRemove((primary, primaryQueueId), out _);
        return true;
    }

    /// <summary>
    /// Indexes a shadow (a copy just committed, or a message just kept as a primary's shadow), unless its primary's
    /// discard notice came first: then it is taken out again and true is returned, and the caller releases it.
    /// Indexed first, then the notice looked for, so a notice arriving at the same time either is found here or
    /// finds the shadow in the index (<see cref="NoticeBeforeCopy"/>): whoever takes it out of the index releases it
    /// (chaos mailbox-failover seed 1009: 24 shadows held to auto-discard after a slow keep commit).
    /// </summary>
    public bool AddUnlessDiscarded(ShadowRef shadow, string localQueueId)
    {
        Add(shadow, localQueueId);
        return _early.TryRemove((shadow.Primary, shadow.PrimaryQueueId), out var until) && until >= time.GetUtcNow()
            && TryRemove(shadow.Primary, shadow.PrimaryQueueId, out _);
    }

    public void Add(string primary, string primaryQueueId, string localQueueId) =>
        _byPrimary.GetOrAdd(primary, _ => new(StringComparer.Ordinal))[primaryQueueId] = localQueueId;

    public bool TryRemove(string primary, string primaryQueueId, out string localQueueId)
    {
        localQueueId = "";
        return _byPrimary.TryGetValue(primary, out var shadows) && shadows.TryRemove(primaryQueueId, out localQueueId!);
    }

    public int Count(string primary) => _byPrimary.TryGetValue(primary, out var shadows) ? shadows.Count : 0;

    /// <summary>Takes every shadow of a primary out of the index (for a takeover): primary queue id and ours.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> TakeAll(string primary)
    {
        if (!_byPrimary.TryGetValue(primary, out var shadows))
            return [];
        var taken = new List<KeyValuePair<string, string>>();
        foreach (var key in shadows.Keys)
            if (shadows.TryRemove(key, out var local))
                taken.Add(new(key, local));
        return taken;
    }
}
