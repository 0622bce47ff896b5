using System.Collections.Concurrent;
using TransportGuard.Spool;

namespace TransportGuard.Shadow;

/// <summary>
/// The holder's index of its shadows, by primary: the primary's queue id (what discard notices name) to ours.
/// Rebuilt from the spool at start; the spool is the record, this is the lookup.
/// </summary>
internal sealed class ShadowStore
{
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, string>> _byPrimary = new(StringComparer.Ordinal);

    public void Add(ShadowRef shadow, string localQueueId) => Add(shadow.Primary, shadow.PrimaryQueueId, localQueueId);

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
