using TransportGuard.Queue;
using TransportGuard.Smtp;
using TransportGuard.Spool;

namespace TransportGuard.Shadow;

/// <summary>
/// Taking a node out of service, as a drain and a clean stop both do (docs/protocol.md, Drain and Stop): it refuses
/// new mail (its peers excepted, whose heartbeats must still reach it), starts no new delivery, lets the ones under
/// way finish, and waits for the holders of what it delivered to acknowledge their discard notices.
/// </summary>
internal sealed class Quiescence(DrainState drain, QueueScheduler scheduler, IMessageStore store, TimeProvider time)
{
    /// <summary>Refuses new mail and deliveries, then waits up to <paramref name="timeout"/> for those under way.</summary>
    public async Task StopTakingWorkAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        drain.Begin();
        scheduler.Pause();
        await UntilAsync(() => scheduler.ActiveCount == 0, timeout, cancellationToken);
    }

    /// <summary>Back in service (a drain cancelled): mail is taken and delivered again.</summary>
    public void Resume()
    {
        drain.End();
        scheduler.Resume();
    }

    /// <summary>Waits up to <paramref name="timeout"/> until no delivered message awaits a holder's acknowledgement.</summary>
    public Task AcknowledgedAsync(TimeSpan timeout, CancellationToken cancellationToken) =>
        UntilAsync(() => NoticesOwed == 0, timeout, cancellationToken);

    /// <summary>Delivered messages still kept for a holder's acknowledgement (0 once the spool is closed).</summary>
    public int NoticesOwed => store.IsOpen ? store.Unordered.Count(m => store.Progress(m.Envelope.QueueId).AwaitingDiscard) : 0;

    private async Task UntilAsync(Func<bool> condition, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = time.GetUtcNow() + timeout;
        while (!condition() && time.GetUtcNow() < deadline)
            await Task.Delay(TimeSpan.FromMilliseconds(50), time, cancellationToken);
    }
}
