using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TransportGuard.Queue;
using TransportGuard.Spool;

namespace TransportGuard.Shadow;

/// <summary>
/// A clean stop (SIGTERM) of a node with peers, before its SMTP listener closes (it is registered after it, so it
/// stops first; docs/protocol.md, Stop): new mail is refused (peers excepted), no new delivery starts, deliveries
/// under way finish, and the holders of what was delivered get to acknowledge their discard notices over heartbeats
/// that still reach us. Otherwise every notice in flight at the stop would let a holder take over, and deliver
/// again, mail this node had already delivered, once it missed three heartbeats during the restart.
/// </summary>
internal sealed partial class QuietStop(PeerDirectory peers, Quiescence quiescence, IMessageStore store,
    IOptions<QueueOptions> queue, TimeProvider time, ILogger<QuietStop> logger) : IHostedService
{
    /// <summary>Ten heartbeats at the default frequency: a notice goes out on one and is acknowledged on the next.</summary>
    public static readonly TimeSpan NoticeWait = TimeSpan.FromSeconds(3);

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (peers.Peers.Count == 0 || !store.IsOpen)
            return;
        var started = time.GetTimestamp();
        try
        {
            await quiescence.StopTakingWorkAsync(queue.Value.StopGracePeriod, cancellationToken);
            await quiescence.AcknowledgedAsync(NoticeWait, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The host's shutdown timeout ran out: stop with what is owed (the holders take it over).
        }
        LogQuiet(time.GetElapsedTime(started).TotalMilliseconds, quiescence.NoticesOwed);
    }

    [LoggerMessage(5310, LogLevel.Information, "Stopping: deliveries finished and discard notices acknowledged in {Milliseconds:0} ms; {Owed} notice(s) still owed")]
    private partial void LogQuiet(double milliseconds, int owed);
}
