using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace TransportGuard.Delivery.Smtp;

/// <summary>
/// Idle connections per next hop, so that a burst of mail to one host reuses sessions instead of paying a TCP and
/// TLS handshake per message (Postfix's connection cache). Connections idle too long, used too often, or left in
/// doubt by an error are closed, never handed out.
/// </summary>
internal sealed class SmtpConnectionPool : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, ConcurrentStack<SmtpClientConnection>> _idle = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private readonly DeliveryOptions _options;
    private readonly ITimer _sweeper;

    public SmtpConnectionPool(TimeProvider time, IOptions<DeliveryOptions> options)
    {
        _time = time;
        _options = options.Value;
        _sweeper = time.CreateTimer(_ => Sweep(), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
    }

    public int IdleCount => _idle.Values.Sum(s => s.Count);

    public SmtpClientConnection? Rent(string key)
    {
        if (!_idle.TryGetValue(key, out var stack))
            return null;
        while (stack.TryPop(out var connection))
        {
            if (Fresh(connection))
                return connection;
            _ = connection.CloseAsync();
        }
        return null;
    }

    public void Return(string key, SmtpClientConnection connection)
    {
        if (!connection.Reusable || connection.Transactions >= _options.MaxTransactionsPerConnection)
        {
            _ = connection.CloseAsync();
            return;
        }
        connection.IdleSince = _time.GetUtcNow();
        _idle.GetOrAdd(key, _ => new ConcurrentStack<SmtpClientConnection>()).Push(connection);
    }

    /// <summary>
    /// Runs one transaction on an idle connection for <paramref name="key"/>, or on a new one from
    /// <paramref name="open"/>; the connection goes back to the pool when the transaction returns and is disposed
    /// when it throws. An idle connection that had gone stale (an I/O error before any reply was read) is replaced by
    /// a fresh one once: nothing was accepted on it, so nothing can be sent twice.
    /// </summary>
    public async Task<T> RunAsync<T>(string key, Func<Task<SmtpClientConnection>> open, Func<SmtpClientConnection, Task<T>> transaction)
    {
        for (var fresh = false; ; fresh = true)
        {
            var connection = fresh ? null : Rent(key);
            var reused = connection is not null;
            connection ??= await open();
            var repliesBefore = connection.RepliesRead;
            try
            {
                var result = await transaction(connection);
                Return(key, connection);
                return result;
            }
            catch (IOException) when (reused && connection.RepliesRead == repliesBefore)
            {
                await connection.DisposeAsync();
            }
            catch
            {
                await connection.DisposeAsync();
                throw;
            }
        }
    }

    private bool Fresh(SmtpClientConnection connection) =>
        _time.GetUtcNow() - connection.IdleSince < _options.ConnectionIdleTime;

    private void Sweep()
    {
        foreach (var stack in _idle.Values)
        {
            var keep = new List<SmtpClientConnection>();
            while (stack.TryPop(out var connection))
            {
                if (Fresh(connection))
                    keep.Add(connection);
                else
                    _ = connection.CloseAsync();
            }
            for (var i = keep.Count - 1; i >= 0; i--)
                stack.Push(keep[i]);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _sweeper.DisposeAsync();
        foreach (var stack in _idle.Values)
            while (stack.TryPop(out var connection))
                await connection.CloseAsync();
    }
}
