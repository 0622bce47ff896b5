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

    /// <summary>A discard notice named a shadow we do not hold: a copy whose sender gave up waiting for our 250 may
    /// still commit here (docs/protocol.md, Copies). Remembered for <see cref="EarlyNoticeLifetime"/>.</summary>
    public void NoticeBeforeCopy(string primary, string primaryQueueId)
    {
        var now = time.GetUtcNow();
        if (_early.Count >= MaxEarlyNotices)
            foreach (var old in _early.Where(e => e.Value < now).Select(e => e.Key).ToList())
                _early.TryRemove(old, out _);
        if (_early.Count < MaxEarlyNotices)
            _early[(primary, primaryQueueId)] = now + EarlyNoticeLifetime;
    }

    /// <summary>Whether a copy just committed was already discarded by its primary (and forgets that notice).</summary>
    public bool DiscardedBeforeCopy(ShadowRef shadow) =>
        _early.TryRemove((shadow.Primary, shadow.PrimaryQueueId), out var until) && until >= time.GetUtcNow();

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
