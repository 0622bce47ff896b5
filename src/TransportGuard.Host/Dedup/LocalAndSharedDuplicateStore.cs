using Microsoft.Extensions.Logging;

namespace TransportGuard.Dedup;

/// <summary>
/// The store of a node that has a shared one (docs/dedup.md). The local store is always written and must succeed: it
/// is durable, and this node's own memory of what it delivered. The shared store makes each node's deliveries known
/// to the others, when it answers within <see cref="DedupOptions.SharedTimeout"/>. A lookup asks both at once and
/// takes the union, the local entry first (it names the original as this node recorded it).
/// <para>When the shared store fails or is too slow the local one answers alone (counted), and the shared store is
/// taken as down: calls stop waiting on it, and what is recorded meanwhile goes to a bounded resync list
/// (<see cref="DedupOptions.ResyncCapacity"/>, oldest dropped first, counted) that a background loop pushes to it,
/// and which is how the loop finds out that it answers again. One log line when it goes down, one when it is back.</para>
/// <para>Owns both stores: disposing this disposes them.</para>
/// </summary>
internal sealed partial class LocalAndSharedDuplicateStore : IDuplicateStore
{
    /// <summary>How often the loop pushes the resync list, or asks a shared store that is down whether it is back.</summary>
    public static readonly TimeSpan ResyncInterval = TimeSpan.FromSeconds(1);

    /// <summary>Entries per push: one pipelined round trip, well within SharedTimeout on a LAN.</summary>
    private const int ResyncBatch = 1000;

    private readonly IDuplicateStore _local;
    private readonly IDuplicateStore _shared;
    private readonly TimeSpan _timeout;
    private readonly int _capacity;
    private readonly DedupMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _resyncLoop;

    private readonly Lock _lock = new();
    // Under _lock: entries the shared store has not taken, oldest first, and how many a push has taken off the list.
    private readonly LinkedList<KeyValuePair<DeliveryKey, DeliveredEntry>> _resync = new();
    private int _inFlight;
    private bool _droppingLogged;
    // The shared store's state; a transition bumps the generation, and only a call started in the current generation
    // may make the next one (a slow call that began before an outage must not declare the store back).
    private volatile SharedState _state = SharedState.Unknown;
    private int _generation;
    // Consecutive calls the shared store failed: it is declared down (and skipped) only after DownAfterFailures, so
    // one slow answer on a loaded machine (a pause, a burst) does not send every node to its local store for seconds.
    private int _failures;
    private const int DownAfterFailures = 3;
    private DateTimeOffset _downSince;
    private long _outageFallbacks;

    private enum SharedState
    {
        Unknown,
        Up,
        Down,
    }

    public LocalAndSharedDuplicateStore(IDuplicateStore local, IDuplicateStore shared, DedupOptions options, DedupMetrics metrics, TimeProvider time,
        ILogger<LocalAndSharedDuplicateStore> logger)
    {
        _local = local;
        _shared = shared;
        _timeout = options.SharedTimeout;
        _capacity = options.ResyncCapacity;
        _metrics = metrics;
        _time = time;
        _logger = logger;
        metrics.Observe(() => SharedUp, () => ResyncPending);
        _resyncLoop = Task.Run(() => ResyncLoopAsync(_stopping.Token));
    }

    /// <summary>The shared store answers, as far as this node knows: the last call or resync round that asked it had an answer.</summary>
    public bool SharedUp => _state == SharedState.Up;

    /// <summary>Entries waiting to be pushed to the shared store.</summary>
    public int ResyncPending
    {
        get
        {
            lock (_lock)
                return _resync.Count + _inFlight;
        }
    }

    public async Task<IReadOnlyList<DeliveredEntry?>> FindAsync(IReadOnlyList<DeliveryKey> keys, CancellationToken cancellationToken)
    {
        var shared = FindSharedAsync(keys, cancellationToken);
        var local = await _local.FindAsync(keys, cancellationToken);
        if (await shared is not { } remote)
            return local;
        var union = new DeliveredEntry?[keys.Count];
        for (var i = 0; i < union.Length; i++)
            union[i] = local[i] ?? remote[i];
        return union;
    }

    public async Task RecordAsync(IReadOnlyList<KeyValuePair<DeliveryKey, DeliveredEntry>> entries, CancellationToken cancellationToken)
    {
        Task<bool> shared;
        if (SharedDown)
        {
            Fallback();
            shared = Task.FromResult(false);
        }
        else
        {
            shared = TrySharedAsync(() => _shared.RecordAsync(entries, cancellationToken), onPath: true, cancellationToken);
        }
        try
        {
            await _local.RecordAsync(entries, cancellationToken);
        }
        finally
        {
            // Kept even when the local store failed: the delivery happened, and the other nodes must learn of it.
            if (!await shared)
                Keep(entries);
        }
    }

    private bool SharedDown => _state == SharedState.Down;

    /// <summary>The shared store's answer, or null when it is down, fails or is too slow.</summary>
    private async Task<IReadOnlyList<DeliveredEntry?>?> FindSharedAsync(IReadOnlyList<DeliveryKey> keys, CancellationToken cancellationToken)
    {
        if (SharedDown)
        {
            Fallback();
            return null;
        }
        IReadOnlyList<DeliveredEntry?>? found = null;
        var answered = await TrySharedAsync(async () => found = await _shared.FindAsync(keys, cancellationToken), onPath: true, cancellationToken);
        return answered ? found : null;
    }

    /// <summary>Runs one call on the shared store within SharedTimeout; false when it failed, timed out or was
    /// cancelled (never throws). <paramref name="onPath"/>: a delivery's call, counted when the shared store fails it.</summary>
    private async Task<bool> TrySharedAsync(Func<Task> call, bool onPath, CancellationToken cancellationToken)
    {
        var generation = Volatile.Read(ref _generation);
        Task? running = null;
        try
        {
            running = call();
            await running.WaitAsync(_timeout, _time, cancellationToken);
            Answered(generation);
            return true;
        }
        catch (Exception e) when (e is DuplicateStoreUnavailableException or TimeoutException)
        {
            if (running is { IsCompleted: false })
                Forget(running);
            Failed(generation, e);
            if (onPath)
                Fallback();
            return false;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            if (running is { IsCompleted: false })
                Forget(running);
            return false;
        }
    }

    /// <summary>Counts a call answered without the shared store.</summary>
    private void Fallback()
    {
        _metrics.Fallback();
        Interlocked.Increment(ref _outageFallbacks);
    }

    private void Answered(int generation)
    {
        Interlocked.Exchange(ref _failures, 0);
        if (_state == SharedState.Up)
            return;
        SharedState previous;
        DateTimeOffset downSince;
        lock (_lock)
        {
            previous = _state;
            if (previous == SharedState.Up || generation != _generation)
                return;
            _state = SharedState.Up;
            _generation++;
            downSince = _downSince;
        }
        if (previous == SharedState.Down)
            LogSharedBack((_time.GetUtcNow() - downSince).TotalSeconds, Interlocked.Read(ref _outageFallbacks), ResyncPending);
        else
            LogSharedReached();
    }

    private void Failed(int generation, Exception reason)
    {
        if (_state == SharedState.Down || Interlocked.Increment(ref _failures) < DownAfterFailures)
            return;
        lock (_lock)
        {
            if (_state == SharedState.Down || generation != _generation)
                return;
            _state = SharedState.Down;
            _generation++;
            _downSince = _time.GetUtcNow();
            Interlocked.Exchange(ref _outageFallbacks, 0);
        }
        LogSharedDown(_timeout.TotalMilliseconds, _capacity, reason);
    }

    /// <summary>Adds entries the shared store did not take to the resync list, dropping the oldest past its capacity.</summary>
    private void Keep(IReadOnlyList<KeyValuePair<DeliveryKey, DeliveredEntry>> entries)
    {
        int dropped;
        lock (_lock)
        {
            foreach (var entry in entries)
                _resync.AddLast(entry);
            dropped = Trim();
        }
        Dropped(dropped);
    }

    /// <summary>Under _lock: drops the oldest entries past the capacity; how many.</summary>
    private int Trim()
    {
        var dropped = 0;
        while (_resync.Count > _capacity)
        {
            _resync.RemoveFirst();
            dropped++;
        }
        return dropped;
    }

    private void Dropped(int count)
    {
        if (count == 0)
            return;
        _metrics.ResyncDropped(count);
        bool log;
        lock (_lock)
        {
            log = !_droppingLogged;
            _droppingLogged = true;
        }
        if (log)
            LogResyncFull(_capacity);
    }

    private async Task ResyncLoopAsync(CancellationToken stopping)
    {
        while (true)
        {
            try
            {
                await Task.Delay(ResyncInterval, _time, stopping);
                await ResyncAsync(stopping);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) // a store's unexpected exception must not end the loop: the next round tries again
            {
                LogResyncFailed(e);
            }
        }
    }

    /// <summary>Pushes the resync list in batches while the shared store takes them; with nothing to push, asks a
    /// shared store that is not known to be up whether it answers (a lookup of a key nobody records).</summary>
    private async Task ResyncAsync(CancellationToken stopping)
    {
        var pushed = 0;
        while (Take() is { Count: > 0 } batch)
        {
            if (!await TrySharedAsync(() => _shared.RecordAsync(batch, stopping), onPath: false, stopping))
            {
                PutBack(batch);
                break;
            }
            lock (_lock)
                _inFlight -= batch.Count;
            pushed += batch.Count;
        }
        if (pushed > 0)
        {
            int left;
            lock (_lock)
            {
                left = _resync.Count + _inFlight;
                if (left == 0)
                    _droppingLogged = false;
            }
            LogResynced(pushed, left);
        }
        else if (!SharedUp && ResyncPending == 0)
        {
            await TrySharedAsync(() => _shared.FindAsync([default], stopping), onPath: false, stopping);
        }
    }

    private List<KeyValuePair<DeliveryKey, DeliveredEntry>> Take()
    {
        lock (_lock)
        {
            var batch = new List<KeyValuePair<DeliveryKey, DeliveredEntry>>(Math.Min(ResyncBatch, _resync.Count));
            while (batch.Count < ResyncBatch && _resync.First is { } first)
            {
                batch.Add(first.Value);
                _resync.RemoveFirst();
            }
            _inFlight += batch.Count;
            return batch;
        }
    }

    /// <summary>A batch the shared store did not take goes back in front of what was kept meanwhile.</summary>
    private void PutBack(List<KeyValuePair<DeliveryKey, DeliveredEntry>> batch)
    {
        int dropped;
        lock (_lock)
        {
            _inFlight -= batch.Count;
            for (var i = batch.Count - 1; i >= 0; i--)
                _resync.AddFirst(batch[i]);
            dropped = Trim();
        }
        Dropped(dropped);
    }

    /// <summary>A call we stopped waiting for still ends: observe its failure so that it is no unobserved exception.</summary>
    private static void Forget(Task call) =>
        call.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        await _resyncLoop;
        _stopping.Dispose();
        if (ResyncPending is > 0 and var pending)
            LogStoppingWithPending(pending);
        await _shared.DisposeAsync();
        await _local.DisposeAsync();
    }

    [LoggerMessage(8200, LogLevel.Information, "Dedup: the shared duplicate store answers")]
    private partial void LogSharedReached();

    [LoggerMessage(8201, LogLevel.Warning, "Dedup: the shared duplicate store failed or did not answer within {TimeoutMs} ms; until it answers again the local " +
        "store answers alone, and entries recorded meanwhile wait for a resync (up to {Capacity})")]
    private partial void LogSharedDown(double timeoutMs, int capacity, Exception reason);

    [LoggerMessage(8202, LogLevel.Information, "Dedup: the shared duplicate store answers again after {Seconds:0.#} s; {Fallbacks} call(s) were answered by " +
        "the local store alone, {Pending} entries to resync")]
    private partial void LogSharedBack(double seconds, long fallbacks, int pending);

    [LoggerMessage(8203, LogLevel.Information, "Dedup: resync pushed {Pushed} entries to the shared duplicate store, {Left} left")]
    private partial void LogResynced(int pushed, int left);

    [LoggerMessage(8204, LogLevel.Warning, "Dedup: the resync list is full ({Capacity} entries): the oldest are dropped from it (the local store keeps " +
        "them); the other nodes will not see those deliveries")]
    private partial void LogResyncFull(int capacity);

    [LoggerMessage(8205, LogLevel.Error, "Dedup: resync round failed; the next one tries again")]
    private partial void LogResyncFailed(Exception exception);

    [LoggerMessage(8206, LogLevel.Warning, "Dedup: stopping with {Pending} entries not pushed to the shared duplicate store (the local store keeps them)")]
    private partial void LogStoppingWithPending(int pending);
}
