using Microsoft.Extensions.Logging;

namespace TransportGuard.Tracking;

internal sealed partial class TrackingLog
{
    /// <summary>How often old files are looked for; a file is an hour, so this is fine enough.</summary>
    public static readonly TimeSpan SweepInterval = TimeSpan.FromMinutes(10);

    /// <summary>
    /// Deletes the files whose hour ended more than Tracking:HoldTime ago, so a finished message stays traceable for
    /// the Safety Net hold time and no longer (docs/tracking.md, Retention). Returns how many went.
    /// </summary>
    public int Sweep()
    {
        var cutoff = _time.GetUtcNow() - _options.HoldTime;
        var deleted = 0;
        foreach (var (hour, path) in _directory.Files().Where(f => f.Hour + TrackingDirectory.Hour <= cutoff))
        {
            try
            {
                File.Delete(path);
                deleted++;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                LogSweepFailed(path, ex.Message);
            }
        }
        if (deleted > 0)
            LogSwept(deleted, cutoff);
        return deleted;
    }

    [LoggerMessage(9501, LogLevel.Information, "Message tracking: deleted {Count} hourly file(s) older than {Cutoff:u} (Tracking:HoldTime)")]
    private partial void LogSwept(int count, DateTimeOffset cutoff);

    [LoggerMessage(9502, LogLevel.Warning, "Message tracking: could not delete {Path}: {Reason}")]
    private partial void LogSweepFailed(string path, string reason);
}
