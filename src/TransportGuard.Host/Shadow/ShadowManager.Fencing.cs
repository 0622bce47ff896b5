using Microsoft.Extensions.Logging;
using TransportGuard.Delivery.Routing;
using TransportGuard.Delivery.Smtp;

namespace TransportGuard.Shadow;

internal sealed partial class ShadowManager
{
    /// <summary>
    /// Takeover fencing (docs/protocol.md, Fencing): recovered messages that a holder shadows wait until that holder says
    /// which of them it took over while we were down; those are dropped, the rest delivered. A holder that cannot be
    /// reached within <see cref="ShadowOptions.FencingTimeout"/> gets no say: we deliver, and duplicate detection
    /// covers what it may also have delivered. One question per holder at a time.
    /// </summary>
    private void OnFenceRequested(string holder)
    {
        if (_fencing.TryAdd(holder, 0))
            _ = Task.Run(() => FenceHolderAsync(holder, _stop.Token));
    }

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, byte> _fencing = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = new();

    private async Task FenceHolderAsync(string holder, CancellationToken stoppingToken)
    {
        try
        {
            // Messages fenced while a question was out are not covered by its answer: ask again until none are left.
            while (_fence.FencedByHolder().ContainsKey(holder))
                await AskUntilAnsweredAsync(holder, stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            _fencing.TryRemove(holder, out _);
            if (!stoppingToken.IsCancellationRequested && _fence.FencedByHolder().ContainsKey(holder))
                OnFenceRequested(holder); // fenced just as the last question ended
        }
    }

    private async Task AskUntilAnsweredAsync(string holder, CancellationToken stoppingToken)
    {
        var count = _fence.FencedByHolder().GetValueOrDefault(holder)?.Count ?? 0;
        LogFencing(count, holder);
        var deadline = _time.GetUtcNow() + _options.FencingTimeout;
        while (_time.GetUtcNow() < deadline)
        {
            try
            {
                var askedAt = _time.GetTimestamp();
                await using var connection = await OpenAsync(_peers.ById(holder)!, stoppingToken);
                var taken = await TakenQuery.AskAsync(connection, _profile.ShadowNodeId!, _options.FencingTimeout, stoppingToken);
                await _fence.ResolveAsync(holder, taken, askedAt);
                LogFenced(holder, taken.Count, count);
                await AcknowledgeAsync(connection, holder, stoppingToken);
                return;
            }
            catch (Exception ex) when (ex is IOException or TimeoutException or OperationCanceledException && !stoppingToken.IsCancellationRequested)
            {
                await Task.Delay(_options.ShadowHeartbeatFrequency, _time, stoppingToken);
            }
        }
        LogFenceTimeout(holder, count);
        await _fence.ResolveAsync(holder, null, null);
    }

    private async Task<SmtpClientConnection> OpenAsync(Peer holder, CancellationToken stoppingToken)
    {
        var timeouts = new SmtpClientTimeouts(_options.FencingTimeout, _options.FencingTimeout, _options.FencingTimeout);
        return await _peers.ConnectAsync(holder, _profile with { ShadowNodeId = null }, timeouts, _time, stoppingToken);
    }

    /// <summary>Once what was taken is dropped here, the holder may forget the copies it kept for the question; if it
    /// does not hear this, it keeps them and answers the same again next time, which is still right.</summary>
    private async Task AcknowledgeAsync(SmtpClientConnection connection, string holder, CancellationToken stoppingToken)
    {
        try
        {
            await TakenQuery.AcknowledgeAsync(connection, _profile.ShadowNodeId!, _options.FencingTimeout, stoppingToken);
        }
        catch (Exception ex) when (ex is IOException or TimeoutException or OperationCanceledException && !stoppingToken.IsCancellationRequested)
        {
            LogAcknowledgeFailed(holder, ex.Message);
        }
    }

    [LoggerMessage(5110, LogLevel.Information, "Holding {Count} message(s) until shadow holder {Holder} says which it took over (our lease on it lapsed, or we restarted)")]
    private partial void LogFencing(int count, string holder);

    [LoggerMessage(5111, LogLevel.Information, "Shadow holder {Holder} took over {Taken} message(s) of ours; those are dropped, the rest of the {Count} held delivered")]
    private partial void LogFenced(string holder, int taken, int count);

    [LoggerMessage(5113, LogLevel.Warning, "Shadow holder {Holder} did not take the acknowledgement of its takeover answer ({Reason}); it keeps its copies and answers the same next time")]
    private partial void LogAcknowledgeFailed(string holder, string reason);

    [LoggerMessage(5112, LogLevel.Warning, "Shadow holder {Holder} did not answer within the fencing timeout: delivering {Count} held message(s) without its word")]
    private partial void LogFenceTimeout(string holder, int count);
}
