using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace TransportGuard.Shadow;

/// <summary>
/// The primary's view of its holders (docs/protocol.md, Lease). A primary delivers a message a holder shadows only
/// while that holder's lease is fresh. The lease runs from the moment we sent a reply the holder has since
/// acknowledged (so it had heard from us by then), for 0.8 x retry count x frequency: shorter than the holder's
/// patience, since a holder takes over only after that many failed beats and at least that long after the last
/// reply it got (HeartbeatLoop). So a primary that was frozen, cut off or restarted finds its lease expired before
/// the holder can have taken over, and asks the holder before delivering (takeover fencing).
/// A heartbeat that says NONE (the holder has declared us down never since, and holds no takeover of ours we have
/// not acknowledged) renews the lease even after a lapse: nothing can have been taken. One that says TAKEN only
/// extends a lease still fresh; a lapsed lease then comes back only with the holder's answer to XQUERYTAKEN.
/// Timestamps are monotonic, which keep counting while a process is stopped.
/// </summary>
internal sealed class HolderLeases(IOptions<ShadowOptions> options, TimeProvider time)
{
    private readonly ConcurrentDictionary<string, long> _renewed = new(StringComparer.Ordinal);
    private readonly TimeSpan _lease = options.Value.ShadowHeartbeatFrequency * options.Value.ShadowHeartbeatRetryCount * 0.8;

    private readonly ConcurrentDictionary<string, byte> _waived = new(StringComparer.Ordinal);

    /// <summary>A heartbeat: the holder has heard from us as of <paramref name="since"/> (a timestamp), and
    /// <paramref name="tookOver"/> says whether it may have taken anything of ours over.</summary>
    public void Renew(string holder, long since, bool tookOver = true)
    {
        if (!tookOver)
        {
            _waived.TryRemove(holder, out _);
            _renewed.AddOrUpdate(holder, since, (_, at) => at == Lapsed ? since : Math.Max(at, since));
            return;
        }
        if (_waived.ContainsKey(holder))
        {
            // Heard from again after we delivered without its word, and it took something over: ask it.
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
        _renewed[holder] = Lapsed; // once heard from again, it is asked before its lease comes back, unless it says NONE
        _waived[holder] = 0;
    }

    public bool Fresh(string holder) =>
        _waived.ContainsKey(holder) || _renewed.TryGetValue(holder, out var at) && !HasLapsed(at);

    private const long Lapsed = long.MinValue;

    private bool HasLapsed(long renewedAt) => renewedAt == Lapsed || time.GetElapsedTime(renewedAt) >= _lease;
}
