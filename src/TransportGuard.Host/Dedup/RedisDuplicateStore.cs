using System.Globalization;
using StackExchange.Redis;

namespace TransportGuard.Dedup;

/// <summary>
/// The shared duplicate store (docs/dedup.md): a Redis-protocol server (Redis, Garnet) that every node delivering to
/// the same mailboxes reaches. One string per delivery, <c>tg:dedup:{key}</c> holding <see cref="DeliveredEntry.ToWire"/>,
/// set with NX (the first node's entry stays the original) and PX (it expires <see cref="DedupOptions.Window"/> after
/// the delivery). A lookup is one MGET, a record one pipelined batch of SETs: one round trip each.
/// <para>The node starts whether the server answers or not (AbortOnConnectFail off) and the multiplexer reconnects on
/// its own. Every call waits at most <see cref="DedupOptions.SharedTimeout"/>: while disconnected, commands fail at
/// once (BacklogPolicy.FailFast) instead of queueing for a reconnect, and a server that is connected but silent is cut
/// off by our own bound, since the multiplexer checks its timeouts only once per heartbeat (1 s).</para>
/// </summary>
internal sealed class RedisDuplicateStore : IDuplicateStore
{
    public const string KeyPrefix = "tg:dedup:";

    private readonly ConnectionMultiplexer _connection;
    private readonly IDatabase _database;
    private readonly TimeSpan _timeout;
    private readonly TimeSpan _window;
    private readonly TimeProvider _time;
    private readonly string _endPoints;

    private RedisDuplicateStore(ConnectionMultiplexer connection, ConfigurationOptions configuration, DedupOptions options, TimeProvider time)
    {
        _connection = connection;
        _database = connection.GetDatabase();
        _timeout = options.SharedTimeout;
        _window = options.Window;
        _time = time;
        // Host and port only: the configuration string may hold a password.
        _endPoints = string.Join(",", configuration.EndPoints.Select(e => e.ToString()));
    }

    /// <summary>True while the multiplexer holds a connection to the server.</summary>
    public bool IsConnected => _connection.IsConnected;

    /// <summary>The server's address(es), for log lines.</summary>
    public string EndPoints => _endPoints;

    /// <summary>Connects to <see cref="DedupOptions.Redis"/>; returns within the connect timeout even when the server
    /// is down (the multiplexer keeps trying in the background).</summary>
    public static async Task<RedisDuplicateStore> ConnectAsync(DedupOptions options, TimeProvider time)
    {
        var configuration = Configuration(options);
        var connection = await ConnectionMultiplexer.ConnectAsync(configuration);
        return new RedisDuplicateStore(connection, configuration, options, time);
    }

    /// <summary>The multiplexer's settings: <see cref="DedupOptions.Redis"/> as given, with the timeouts and the
    /// failure behaviour this store relies on laid over it.</summary>
    internal static ConfigurationOptions Configuration(DedupOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.Redis))
            throw new ArgumentException($"{DedupOptions.Section}:{nameof(DedupOptions.Redis)} is empty: no shared store to connect to", nameof(options));
        var configuration = ConfigurationOptions.Parse(options.Redis);
        var timeout = (int)Math.Ceiling(options.SharedTimeout.TotalMilliseconds);
        configuration.AbortOnConnectFail = false;
        configuration.BacklogPolicy = BacklogPolicy.FailFast;
        configuration.SyncTimeout = timeout;
        configuration.AsyncTimeout = timeout;
        // A connect is off the delivery path (commands fail fast meanwhile), so it may take longer than a command: a
        // SharedTimeout of a few milliseconds must not make every reconnect fail. It also bounds ConnectAsync.
        configuration.ConnectTimeout = Math.Max(timeout, 1000);
        // Reconnect soon after the server is back (then the resync can run), backing off to 5 s while it stays away.
        configuration.ReconnectRetryPolicy = new ExponentialRetry(250, 5000);
        configuration.ClientName ??= "transportguard";
        return configuration;
    }

    public async Task<IReadOnlyList<DeliveredEntry?>> FindAsync(IReadOnlyList<DeliveryKey> keys, CancellationToken cancellationToken)
    {
        if (keys.Count == 0)
            return [];
        var redisKeys = new RedisKey[keys.Count];
        for (var i = 0; i < keys.Count; i++)
            redisKeys[i] = Key(keys[i]);
        RedisValue[] values = [];
        await BoundedAsync(async () => values = await _database.StringGetAsync(redisKeys), "MGET", cancellationToken);
        var found = new DeliveredEntry?[values.Length];
        for (var i = 0; i < values.Length; i++)
            found[i] = values[i].IsNull ? null : DeliveredEntry.FromWire((string?)values[i]);
        return found;
    }

    public async Task RecordAsync(IReadOnlyList<KeyValuePair<DeliveryKey, DeliveredEntry>> entries, CancellationToken cancellationToken)
    {
        if (entries.Count == 0)
            return;
        var now = _time.GetUtcNow();
        var batch = _database.CreateBatch();
        var sets = new List<Task<bool>>(entries.Count);
        foreach (var (key, entry) in entries)
        {
            // The window runs from the delivery, not from this write: an entry pushed late by a resync expires when
            // it would have. One already past its window is nothing to remember.
            var left = entry.At + _window - now;
            if (left <= TimeSpan.Zero)
                continue;
            // Whole milliseconds and at least one: PX takes an integer and refuses 0. In order within the batch, so
            // of two entries for one key in the same call the first wins, as across calls.
            var expiry = TimeSpan.FromMilliseconds(Math.Max(1, Math.Ceiling(left.TotalMilliseconds)));
            sets.Add(batch.StringSetAsync(Key(key), entry.ToWire(), new Expiration(expiry), ValueCondition.NotExists));
        }
        if (sets.Count == 0)
            return;
        // The result of each SET (false: the key was there, its first entry kept) is no concern of the caller's.
        await BoundedAsync(() =>
        {
            try
            {
                batch.Execute(); // while disconnected, FailFast throws here, and the SETs fail with it
            }
            catch (RedisException)
            {
                sets.ForEach(Forget);
                throw;
            }
            return Task.WhenAll(sets);
        }, $"SET NX PX ({sets.Count})", cancellationToken);
    }

    public static RedisKey Key(DeliveryKey key) => KeyPrefix + key.ToString();

    /// <summary>Starts a command and waits for it within SharedTimeout; whatever keeps it from answering, including
    /// a failure to start it, is a <see cref="DuplicateStoreUnavailableException"/>.</summary>
    private async Task BoundedAsync(Func<Task> start, string command, CancellationToken cancellationToken)
    {
        Task? call = null;
        try
        {
            call = start();
            await call.WaitAsync(_timeout, _time, cancellationToken);
        }
        catch (TimeoutException e) // ours, or the multiplexer's RedisTimeoutException
        {
            if (call is not null)
                Forget(call);
            throw new DuplicateStoreUnavailableException(
                $"The shared duplicate store ({_endPoints}) did not answer {command} within {_timeout.TotalMilliseconds.ToString(CultureInfo.InvariantCulture)} ms", e);
        }
        catch (RedisException e) // not connected (fail fast), connection lost, or an error reply
        {
            throw new DuplicateStoreUnavailableException($"The shared duplicate store ({_endPoints}) failed {command}: {e.Message}", e);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            if (call is not null)
                Forget(call);
            throw;
        }
    }

    /// <summary>A command we stopped waiting for still ends (the multiplexer times it out): observe its failure so
    /// that it does not surface as an unobserved task exception.</summary>
    private static void Forget(Task call) =>
        call.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);

    public async ValueTask DisposeAsync() => await _connection.DisposeAsync();
}
