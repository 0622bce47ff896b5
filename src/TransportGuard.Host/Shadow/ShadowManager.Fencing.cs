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
                var taken = await AskTakenAsync(_peers.ById(holder)!, stoppingToken);
                await _fence.ResolveAsync(holder, taken, askedAt);
                LogFenced(holder, taken.Count, count);
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

    private async Task<IReadOnlySet<string>> AskTakenAsync(Peer holder, CancellationToken stoppingToken)
    {
        var timeouts = new SmtpClientTimeouts(_options.FencingTimeout, _options.FencingTimeout, _options.FencingTimeout);
        await using var connection = await SmtpClientConnection.OpenAsync(holder.Id, holder.EndPoint, _profile with { ShadowNodeId = null },
            TlsMode.None, timeouts, _time, stoppingToken);
        var reply = await connection.CommandAsync($"XQUERYTAKEN {_profile.ShadowNodeId}", _options.FencingTimeout, stoppingToken);
        if (reply.Code != 250)
            throw new IOException($"{holder.Id} answered XQUERYTAKEN with {reply}");
        return reply.Lines.Where(l => l.StartsWith("TAKEN ", StringComparison.Ordinal))
            .SelectMany(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1)).ToHashSet(StringComparer.Ordinal);
    }

    [LoggerMessage(5110, LogLevel.Information, "Holding {Count} message(s) until shadow holder {Holder} says which it took over (our lease on it lapsed, or we restarted)")]
    private partial void LogFencing(int count, string holder);

    [LoggerMessage(5111, LogLevel.Information, "Shadow holder {Holder} took over {Taken} message(s) of ours; those are dropped, the rest of the {Count} held delivered")]
    private partial void LogFenced(string holder, int taken, int count);

    [LoggerMessage(5112, LogLevel.Warning, "Shadow holder {Holder} did not answer within the fencing timeout: delivering {Count} held message(s) without its word")]
    private partial void LogFenceTimeout(string holder, int count);
}
