using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TransportGuard.Spool;

namespace TransportGuard.SafetyNet;

/// <summary>
/// Lets retained messages go (docs/safetynet.md, Space): past the hold time; past SafetyNet:MaxBytes or MaxMessages,
/// oldest in the log first (those pin its head, so letting them go is what frees disk); and, below twice the spool's
/// free-space floor, the oldest half, because live mail comes before kept mail. The spool's maintenance then
/// truncates what nothing needs any more.
/// </summary>
internal sealed partial class SafetyNetJanitor(RetainedMessages retained, DiskSpaceGuard disk, IOptions<SafetyNetOptions> options,
    IOptions<SpoolOptions> spoolOptions, SafetyNetMetrics metrics, TimeProvider time, ILogger<SafetyNetJanitor> logger) : BackgroundService
{
    private readonly SafetyNetOptions _options = options.Value;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(_options.SweepInterval, time);
        do
            Sweep();
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    /// <summary>One pass; returns how many were let go for age and for size.</summary>
    public (int Expired, int ForSize) Sweep()
    {
        var cutoff = time.GetUtcNow() - _options.HoldTime;
        var expired = retained.All.Where(m => !_options.Enabled || m.DeliveredAt < cutoff).Count(m => retained.Release(m.QueueId));
        var forSize = 0;
        var lowOnDisk = disk.FreeBytes < 2 * spoolOptions.Value.MinimumFreeBytes;
        if (lowOnDisk || retained.Bytes > _options.MaxBytes || retained.Count > _options.MaxMessages)
        {
            var keepBytes = lowOnDisk ? retained.Bytes / 2 : _options.MaxBytes;
            var keepCount = lowOnDisk ? retained.Count / 2 : _options.MaxMessages;
            foreach (var oldest in retained.All.OrderBy(m => m.Message.FirstAddress).ToList())
            {
                if (retained.Bytes <= keepBytes && retained.Count <= keepCount)
                    break;
                if (retained.Release(oldest.QueueId))
                    forSize++;
            }
        }
        if (expired > 0)
            metrics.Released("expired", expired);
        if (forSize > 0)
        {
            metrics.Released("size", forSize);
            LogReleasedForSize(forSize, retained.Count, retained.Bytes, lowOnDisk ? "the spool's disk is nearly full" : "the Safety Net is at its bounds");
        }
        return (expired, forSize);
    }

    [LoggerMessage(9201, LogLevel.Warning, "Safety Net: let {Messages} delivered message(s) go before their hold time ({Reason}); {Kept} kept, {Bytes} bytes")]
    private partial void LogReleasedForSize(int messages, int kept, long bytes, string reason);
}
