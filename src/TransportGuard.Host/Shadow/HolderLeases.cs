using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace TransportGuard.Shadow;

/// <summary>
/// The primary's view of its holders. A primary delivers a message a holder shadows only while that holder's lease
/// is fresh. The lease runs from the moment we sent a reply the holder has since acknowledged (so it has provably
/// heard from us then), and is shorter than the holder's patience (its takeover comes at least (retry count - 1) x
/// frequency after the last reply it got): a primary that was frozen (SIGSTOP, a long pause), cut off or restarted
/// finds its lease expired and asks the holder what it took over before delivering anything (takeover fencing).
/// A lapsed lease comes back only with the holder's answer to that question, never with a heartbeat: a holder that
/// took over keeps querying us (to see us return), and its next acknowledged reply must not let us deliver what it
/// now owns. Timestamps are monotonic, which keep counting while a process is stopped.
/// </summary>
internal sealed class HolderLeases(IOptions<ShadowOptions> options, TimeProvider time)
{
    private readonly ConcurrentDictionary<string, long> _renewed = new(StringComparer.Ordinal);
    private readonly TimeSpan _lease = options.Value.ShadowHeartbeatFrequency * Math.Max(1, options.Value.ShadowHeartbeatRetryCount - 1) * 0.8;

    private readonly ConcurrentDictionary<string, byte> _waived = new(StringComparer.Ordinal);

    /// <summary>A heartbeat: the holder has heard from us as of <paramref name="since"/> (a timestamp). It extends a
    /// live lease (or starts the first one); it does not revive a lapsed or waived one.</summary>
    public void Renew(string holder, long since)
    {
        if (_waived.ContainsKey(holder))
        {
            // Heard from again after we delivered without its word: it may have taken over meanwhile, so ask it.
            _waived.TryRemove(holder, out _);
            return;
        }
        _renewed.AddOrUpdate(holder, since, (_, at) => HasLapsed(at) ? at : Math.Max(at, since));
    }

    /// <summary>The holder answered our fencing question, which was sent at <paramref name="askedAt"/>: what it had
    /// taken over by then is dropped, so the lease restarts from then.</summary>
    public void Restore(string holder, long askedAt)
    {
        _renewed[holder] = askedAt;
        _waived.TryRemove(holder, out _);
    }

    /// <summary>The holder could not be asked within the fencing timeout: deliver without its word until it is heard
    /// from again (a dead holder cannot have taken anything over; duplicate detection covers one merely cut off).</summary>
    public void Waive(string holder)
    {
        _renewed[holder] = Lapsed; // once heard from again, it is asked before its lease comes back
        _waived[holder] = 0;
    }

    public bool Fresh(string holder) =>
        _waived.ContainsKey(holder) || _renewed.TryGetValue(holder, out var at) && !HasLapsed(at);

    private const long Lapsed = long.MinValue;

    private bool HasLapsed(long renewedAt) => renewedAt == Lapsed || time.GetElapsedTime(renewedAt) >= _lease;
}
