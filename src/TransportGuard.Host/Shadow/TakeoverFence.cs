using System.Collections.Concurrent;
using TransportGuard.Queue;
using TransportGuard.Spool;

namespace TransportGuard.Shadow;

/// <summary>
/// Takeover fencing as the queue's delivery gate (docs/protocol.md, Lease and Fencing): a message a holder
/// shadows is delivered only while our lease on that holder is fresh. Otherwise the holder may have taken it over
/// (we were frozen, cut off or restarted): the message is parked and the holder asked; what it took over is
/// dropped, the rest reopened for delivery.
/// </summary>
internal sealed class TakeoverFence(IMessageStore store, PeerDirectory peers, HolderLeases leases) : IDeliveryGate
{
    /// <summary>Parked messages and the holder each waits for.</summary>
    private readonly ConcurrentDictionary<string, string> _fenced = new(StringComparer.Ordinal);

    public event Action<string>? Reopened;

    /// <summary>Raised with a holder whose word is needed before messages it shadows may go.</summary>
    public event Action<string>? Requested;

    public bool MayStart(SpooledMessage message)
    {
        if (_fenced.ContainsKey(message.Envelope.QueueId))
            return false;
        if (LapsedHolder(message) is not { } holder)
            return true;
        Fence(message.Envelope.QueueId, holder);
        return false;
    }

    public bool MayComplete(SpooledMessage message) => LapsedHolder(message) is null;

    /// <summary>Parks a message until <paramref name="holder"/> has said whether it took it over.</summary>
    public void Fence(string queueId, string holder)
    {
        _fenced[queueId] = holder;
        Requested?.Invoke(holder);
    }

    /// <summary>The peer shadowing this message when its lease has lapsed; null when none does or the lease is fresh.</summary>
    private string? LapsedHolder(SpooledMessage message) =>
        peers.HolderOf(message.Envelope, store.Progress(message.Envelope.QueueId)) is { } holder && !leases.Fresh(holder) ? holder : null;

    /// <summary>Fenced messages by holder, for the fencing questions.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> FencedByHolder() =>
        _fenced.GroupBy(f => f.Value).ToDictionary(g => g.Key, g => (IReadOnlyList<string>)[.. g.Select(f => f.Key)]);

    /// <summary>
    /// The holder answered the question sent at <paramref name="askedAt"/> (or could not be reached in time,
    /// <paramref name="takenOver"/> null): drop what it took over, then restore (or waive) its lease, then reopen the
    /// rest. In that order: with the lease back first, a taken-over message could start out before it is dropped.
    /// </summary>
    public async Task ResolveAsync(string holder, IReadOnlySet<string>? takenOver, long? askedAt)
    {
        // Whatever the holder took over goes, fenced or not: one being delivered right now is abandoned before its
        // final dot, since a finished message may no longer complete (the scheduler's MayComplete).
        foreach (var queueId in takenOver ?? new HashSet<string>())
        {
            if (store.TryGet(queueId, out var message) && store.Progress(queueId).HolderOf(message.Envelope) == holder)
            {
                _fenced.TryRemove(queueId, out _);
                await store.MarkFinishedAsync(queueId, $"taken over by {holder} while this node was unreachable");
            }
        }
        if (takenOver is not null && askedAt is { } asked)
            leases.Restore(holder, asked);
        else
            leases.Waive(holder);
        foreach (var (queueId, fencedFor) in _fenced.ToList())
        {
            if (fencedFor != holder || !_fenced.TryRemove(queueId, out _))
                continue;
            if (takenOver?.Contains(queueId) == true)
                await store.MarkFinishedAsync(queueId, $"taken over by {holder} while this node was down");
            else
                Reopened?.Invoke(queueId);
        }
    }
}
