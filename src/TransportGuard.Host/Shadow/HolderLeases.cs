using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace TransportGuard.Shadow;

/// <summary>
/// The primary's view of its holders. A primary delivers a message a holder shadows only while that holder's lease
/// is fresh. The lease runs from the moment we sent a reply the holder has since acknowledged (so it has provably
/// heard from us then), and is shorter than the holder's patience (its takeover comes at least (retry count - 1) x
/// frequency after the last reply it got): a primary that was frozen (SIGSTOP, a long pause), cut off or restarted
/// finds its lease expired and asks the holder what it took over before delivering anything (takeover fencing).
/// Timestamps are monotonic, which keep counting while a process is stopped.
/// </summary>
public sealed class HolderLeases(IOptions<ShadowOptions> options, TimeProvider time)
{
    private readonly ConcurrentDictionary<string, long> _renewed = new(StringComparer.Ordinal);
    private readonly TimeSpan _lease = options.Value.ShadowHeartbeatFrequency * Math.Max(1, options.Value.ShadowHeartbeatRetryCount - 1) * 0.8;

    private readonly ConcurrentDictionary<string, byte> _waived = new(StringComparer.Ordinal);

    /// <summary>The holder has heard from us as of <paramref name="since"/> (a timestamp; now when omitted: it
    /// answered our own fencing question).</summary>
    public void Renew(string holder, long? since = null)
    {
        _renewed[holder] = since ?? time.GetTimestamp();
        _waived.TryRemove(holder, out _);
    }

    /// <summary>The holder could not be asked within the fencing timeout: deliver without its word until it is heard
    /// from again (a dead holder cannot have taken anything over; duplicate detection covers one merely cut off).</summary>
    public void Waive(string holder) => _waived[holder] = 0;

    public bool Fresh(string holder) =>
        _waived.ContainsKey(holder) || _renewed.TryGetValue(holder, out var at) && time.GetElapsedTime(at) < _lease;
}
