using TransportGuard.Delivery;
using TransportGuard.Spool;

namespace TransportGuard.Queue;

public sealed partial class QueueManager
{
    private volatile bool _paused;
    private readonly Lock _dispatchLock = new();

    /// <summary>No new delivery attempts (a drain hands the queue to a peer instead); running ones finish.</summary>
    public void PauseDispatch()
    {
        lock (_dispatchLock)
            _paused = true;
    }

    /// <summary>A drained message was accepted by a peer: it is done here, except that a holder shadowing it must
    /// still get its discard notice (or it would take the message over once we are gone).</summary>
    public Task HandedOverAsync(SpooledMessage message, IReadOnlyList<RecipientResult> results) =>
        DeliveredAsync(message.Envelope, Spool.Index.Progress(message.Envelope.QueueId), [.. results.Select(r => r with { Primary = null })]);
}
