using Microsoft.Extensions.Logging;

namespace TransportGuard.Shadow;

internal sealed partial class ShadowManager
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, byte> _catchingUp = new(StringComparer.Ordinal);

    /// <summary>
    /// Takes over each shadow in turn (docs/protocol.md, Takeover). One that cannot be read is skipped and reported,
    /// and stays in the spool for an operator (`transportguard spool verify`); one the spool could not write now goes
    /// back to the index and is taken over on a later beat. Neither stops the others.
    /// </summary>
    private async Task TakeOverEachAsync(string primary, IReadOnlyList<KeyValuePair<string, string>> shadows)
    {
        using var slot = await _guard.EnterAsync(primary);
        for (var i = 0; i < shadows.Count; i++)
        {
            var (primaryQueueId, local) = shadows[i];
            if (_guard.Halted(primary))
            {
                // The primary is back and asked what we took: the rest stay its to deliver.
                foreach (var (rest, restLocal) in shadows.Skip(i))
                    _shadows.Add(primary, rest, restLocal);
                LogTakeoverHalted(primary, shadows.Count - i);
                return;
            }
            try
            {
                await _kept.TakeOverAsync(local);
            }
            catch (InvalidDataException ex)
            {
                _metrics.TakeoverFailures.Inc();
                LogUnreadableShadow(local, primary, ex.Message);
            }
            catch (IOException ex)
            {
                _shadows.Add(primary, primaryQueueId, local);
                LogTakeoverDeferred(local, primary, ex.Message);
            }
        }
    }

    /// <summary>While a primary stays down, whatever shadows of it arrive later are taken over too, one pass at a time.</summary>
    private async Task CatchUpAsync(string primary)
    {
        if (!_catchingUp.TryAdd(primary, 0))
            return;
        try
        {
            var shadows = _shadows.TakeAll(primary);
            if (shadows.Count > 0)
                LogCaughtUp(primary, shadows.Count);
            await TakeOverEachAsync(primary, shadows);
        }
        catch (Exception ex)
        {
            LogLoopFaulted(ex, primary);
        }
        finally
        {
            _catchingUp.TryRemove(primary, out _);
        }
    }

    [LoggerMessage(5104, LogLevel.Error, "{QueueId}: shadow of {Primary} is unreadable and was not taken over; it stays in the spool ({Reason})")]
    private partial void LogUnreadableShadow(string queueId, string primary, string reason);

    [LoggerMessage(5105, LogLevel.Warning, "{QueueId}: takeover of the shadow of {Primary} failed for now and is tried again ({Reason})")]
    private partial void LogTakeoverDeferred(string queueId, string primary, string reason);

    [LoggerMessage(5107, LogLevel.Warning, "Peer {Primary} is back and asked what we took: {Count} shadow message(s) not yet copied stay shadows")]
    private partial void LogTakeoverHalted(string primary, int count);

    [LoggerMessage(5106, LogLevel.Warning, "Peer {Primary} is still down: taking over {Count} shadow message(s) that came since")]
    private partial void LogCaughtUp(string primary, int count);
}
