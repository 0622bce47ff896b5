using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace TransportGuard.Shadow;

/// <summary>
/// The primary's view of its holders' heartbeats. Each XQUERYDISCARD renews the holder's lease; a primary delivers
/// a message a holder shadows only while that lease is fresh. The lease is shorter than the holder's patience
/// (retry count x frequency), so a primary that was frozen (SIGSTOP, a long pause) or restarted finds its leases
/// expired and asks the holder what it took over before delivering anything it might have (takeover fencing).
/// </summary>
public sealed class HolderLeases(IOptions<ShadowOptions> options, TimeProvider time)
{
    private readonly ConcurrentDictionary<string, long> _renewed = new(StringComparer.Ordinal);
    private readonly TimeSpan _lease = options.Value.ShadowHeartbeatFrequency * Math.Max(1, options.Value.ShadowHeartbeatRetryCount - 1);

    private readonly ConcurrentDictionary<string, byte> _waived = new(StringComparer.Ordinal);

    /// <summary>A heartbeat, or an answer to a fencing question, came from the holder.</summary>
    public void Renew(string holder)
    {
        _renewed[holder] = time.GetTimestamp();
        _waived.TryRemove(holder, out _);
    }

    /// <summary>The holder could not be asked within the fencing timeout: deliver without its word until it is heard
    /// from again (a dead holder cannot have taken anything over; duplicate detection covers one merely cut off).</summary>
    public void Waive(string holder) => _waived[holder] = 0;

    public bool Fresh(string holder) =>
        _waived.ContainsKey(holder) || _renewed.TryGetValue(holder, out var at) && time.GetElapsedTime(at) < _lease;
}
