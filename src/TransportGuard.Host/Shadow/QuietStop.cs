using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TransportGuard.Queue;
using TransportGuard.Smtp;
using TransportGuard.Spool;

namespace TransportGuard.Shadow;

/// <summary>
/// A clean stop (SIGTERM) of a node with peers, before its SMTP listener closes (it is registered after it, so it
/// stops first; docs/protocol.md, Stop): new mail is refused (peers excepted), no new delivery starts, deliveries
/// under way finish, and the holders of what was delivered get to acknowledge their discard notices over heartbeats
/// that still reach us. Otherwise every notice in flight at the stop would let a holder take over, and deliver
/// again, mail this node had already delivered, once it missed three heartbeats during the restart.
/// </summary>
internal sealed partial class QuietStop(PeerDirectory peers, DrainState drain, QueueScheduler scheduler, IMessageStore store,
    IOptions<QueueOptions> queue, TimeProvider time, ILogger<QuietStop> logger) : IHostedService
{
    /// <summary>Ten heartbeats at the default frequency: a notice goes out on one and is acknowledged on the next.</summary>
    public static readonly TimeSpan NoticeWait = TimeSpan.FromSeconds(3);

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (peers.Peers.Count == 0 || !store.IsOpen)
            return;
        drain.Begin(peers.Peers.Select(p => p.EndPoint.Address));
        scheduler.Pause();
        var started = time.GetTimestamp();
        await UntilAsync(() => scheduler.ActiveCount == 0, queue.Value.StopGracePeriod, cancellationToken);
        await UntilAsync(() => !store.IsOpen || !store.Unordered.Any(m => store.Progress(m.Envelope.QueueId).AwaitingDiscard), NoticeWait, cancellationToken);
        var owed = store.IsOpen ? store.Unordered.Count(m => store.Progress(m.Envelope.QueueId).AwaitingDiscard) : 0;
        LogQuiet(time.GetElapsedTime(started).TotalMilliseconds, owed);
    }

    private async Task UntilAsync(Func<bool> condition, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = time.GetUtcNow() + timeout;
        while (!condition() && time.GetUtcNow() < deadline && !cancellationToken.IsCancellationRequested)
            await Task.Delay(TimeSpan.FromMilliseconds(50), time, CancellationToken.None);
    }

    [LoggerMessage(5310, LogLevel.Information, "Stopping: deliveries finished and discard notices acknowledged in {Milliseconds:0} ms; {Owed} notice(s) still owed")]
    private partial void LogQuiet(double milliseconds, int owed);
}
