using System.Collections.Concurrent;

namespace TransportGuard.Shadow;

/// <summary>
/// The primary's discard notices (docs/protocol.md): messages a holder shadows that we have delivered. They stay
/// in the spool, marked delivered-awaiting-discard, until the holder acknowledges the batch that carried their ids,
/// so a lost reply neither leaks a shadow (the ids are sent again) nor loses a notice across a restart (the spool
/// has them). Batch tokens are per holder and only ever increase within a process.
/// </summary>
internal sealed class DiscardNotices
{
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, byte>> _pending = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (long Token, string[] Ids, long SentAt)> _sent = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, byte>> _strays = new(StringComparer.Ordinal);
    private long _tokens;

    public const int MaxBatch = 500;

    /// <summary>A message for <paramref name="holder"/> is delivered: its notice is owed.</summary>
    public void Add(string holder, string queueId) => _pending.GetOrAdd(holder, _ => new(StringComparer.Ordinal))[queueId] = 0;

    /// <summary>
    /// A shadow copy to <paramref name="holder"/> failed after it may have been committed there (a timeout after the
    /// data was sent): the message has another holder, or none, so such a copy would be an orphan nobody discards,
    /// taken over at our next outage. It is told to discard it at once. Not kept in the spool: a crash before the
    /// notice goes leaves the orphan to the auto-discard interval (docs/protocol.md).
    /// </summary>
    public void AddStray(string holder, string queueId)
    {
        _strays.GetOrAdd(holder, _ => new(StringComparer.Ordinal))[queueId] = 0;
        Add(holder, queueId);
    }

    public int Count(string holder) => _pending.TryGetValue(holder, out var ids) ? ids.Count : 0;

    /// <summary>
    /// One heartbeat at <paramref name="now"/> (a monotonic timestamp): <paramref name="ack"/> confirms the batch last
    /// sent to this holder (its ids are returned in <c>Acknowledged</c> for the caller to forget durably, and when it
    /// was sent in <c>AcknowledgedSentAt</c>: the holder has provably heard from us since then); the reply is a new
    /// batch of what is still owed.
    /// </summary>
    public (IReadOnlyList<string> Acknowledged, long? AcknowledgedSentAt, long Token, IReadOnlyList<string> Batch) Query(string holder, long ack, long now = 0)
    {
        var pending = _pending.GetOrAdd(holder, _ => new(StringComparer.Ordinal));
        IReadOnlyList<string> acknowledged = [];
        long? sentAt = null;
        if (_sent.TryGetValue(holder, out var last) && last.Token == ack)
        {
            sentAt = last.SentAt;
            foreach (var id in last.Ids)
                pending.TryRemove(id, out _);
            // A stray copy's notice ends nothing here: the message itself waits for its real holder, if any.
            var strays = _strays.GetValueOrDefault(holder);
            acknowledged = strays is null ? last.Ids : [.. last.Ids.Where(id => !strays.TryRemove(id, out _))];
        }
        var batch = pending.Keys.Take(MaxBatch).ToArray();
        var token = Interlocked.Increment(ref _tokens);
        _sent[holder] = (token, batch, now);
        return (acknowledged, sentAt, token, batch);
    }
}
