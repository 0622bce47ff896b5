using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace TransportGuard.Spool;

/// <summary>
/// Keeps the spool's disk use bounded (docs/spool.md, Space): truncates what no live message needs, and when
/// the log is mostly dead records held only by a few old live messages at its head, copies those forward first.
/// </summary>
internal sealed partial class SpoolMaintenance(SpoolService spool, IOptions<SpoolOptions> options, TimeProvider time,
    DiskSpaceGuard disk, GatewayRestart restart, IHostApplicationLifetime lifetime, ILogger<SpoolMaintenance> logger) : BackgroundService
{
    /// <summary>Free space, above the floor, that counts as "space is back" after a failure: room for recovery's
    /// commit and a few messages, so the restart is not straight into another full disk.</summary>
    public const long RestartHeadroomBytes = 32L * 1024 * 1024;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.MaintenanceInterval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            if (spool.Spool.Faulted)
            {
                // A failed FasterLog commits nothing more until reopened; once there is room again, restart the
                // gateway in-process so recovery reopens the spool at its last good commit.
                if (!restart.Requested && disk.HasRoomNowFor(RestartHeadroomBytes))
                {
                    LogRestarting();
                    restart.Request();
                    lifetime.StopApplication();
                }
                continue;
            }
            try
            {
                var (copied, freed) = await RunOnceAsync(spool.Spool, options.Value.CompactionThresholdBytes, stoppingToken);
                if (copied > 0)
                    LogCompacted(copied);
                if (freed > 0)
                    LogTruncated(freed, spool.Spool.BeginAddress);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                // Never let housekeeping take the gateway down (a BackgroundService that throws stops the host):
                // log it and try again on the next tick.
                LogMaintenanceFailed(ex);
            }
        }
    }

    /// <summary>One pass: compact the oldest quarter of the log if it is mostly dead, then truncate.</summary>
    public static async Task<(int Copied, long Freed)> RunOnceAsync(MessageSpool target, long compactionThresholdBytes, CancellationToken cancellationToken)
    {
        var span = target.TailAddress - target.BeginAddress;
        var copied = 0;
        // Retained messages count as needed: they are not copied (they expire in about the order they were written),
        // and a head they pin is no reason to copy the live ones behind them.
        if (span > compactionThresholdBytes && target.Index.Bytes + target.Retained.Bytes < span / 2)
            copied = await target.CompactAsync(target.BeginAddress + span / 4, cancellationToken);
        var before = target.BeginAddress;
        return (copied, await target.TruncateAsync() - before);
    }

    [LoggerMessage(2200, LogLevel.Information, "Spool compaction copied {Messages} live message(s) from the head of the log to its tail")]
    private partial void LogCompacted(int messages);

    [LoggerMessage(2201, LogLevel.Information, "Spool truncated {Bytes} byte(s) of finished records; the log now begins at {Begin}")]
    private partial void LogTruncated(long bytes, long begin);

    [LoggerMessage(2203, LogLevel.Warning, "The spool failed a commit earlier and disk space is back: restarting the gateway in-process to recover it")]
    private partial void LogRestarting();

    [LoggerMessage(2202, LogLevel.Error, "Spool maintenance failed; it will be tried again")]
    private partial void LogMaintenanceFailed(Exception exception);
}
