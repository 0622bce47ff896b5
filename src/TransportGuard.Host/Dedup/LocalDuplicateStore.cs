using System.Collections.Concurrent;
using FASTER.core;
using Microsoft.Extensions.Logging;
using TransportGuard.Spool;

namespace TransportGuard.Dedup;

using Session = ClientSession<DeliveryKey, StoredDelivery, RecordInput, StoredDelivery, int, DeliveryFunctions>;

/// <summary>
/// The embedded duplicate store (docs/dedup.md): a FasterLog journal that makes each recording durable (group
/// commit, as the spool's), and a FasterKV index of key to first delivery whose older records live on disk. The index
/// is checkpointed periodically with the journal address it covers; recovery restores the latest checkpoint and
/// replays the journal from that address. Expired entries read as absent and are compacted away.
/// </summary>
internal sealed partial class LocalDuplicateStore : IDuplicateStore
{
    private readonly TimeSpan _window;
    private readonly TimeProvider _time;
    private readonly ILogger<LocalDuplicateStore> _logger;
    private readonly LocalStoreSizes _sizes;
    private readonly SpoolLog _journal;
    private readonly IDevice _device;
    private readonly FasterKV<DeliveryKey, StoredDelivery> _kv;
    private readonly DeliveryFunctions _functions = new();
    // FASTER sessions are single-threaded: each call takes one of its own and gives it back.
    private readonly ConcurrentBag<Session> _sessions = [];
    private int _calls;
    private volatile bool _closing;

    private LocalDuplicateStore(string directory, DedupOptions options, TimeProvider time, ILogger<LocalDuplicateStore> logger)
    {
        _window = options.Window;
        _time = time;
        _logger = logger;
        _sizes = LocalStoreSizes.For(options.LocalMemoryBytes);
        Directory = System.IO.Directory.CreateDirectory(directory).FullName;
        LogDirectory = System.IO.Directory.CreateDirectory(Path.Combine(Directory, "index")).FullName;
        CheckpointDirectory = Path.Combine(Directory, "checkpoints");
        _journal = new SpoolLog(Path.Combine(Directory, "journal"), _sizes.Journal);
        _device = Devices.CreateLogDevice(Path.Combine(LogDirectory, "hlog.log"), preallocateFile: false, deleteOnClose: false, recoverDevice: true);
        using var settings = new FasterKVSettings<DeliveryKey, StoredDelivery>
        {
            LogDevice = _device,
            IndexSize = _sizes.IndexBytes,
            PageSize = 1L << _sizes.LogPageBits,
            MemorySize = 1L << _sizes.LogMemoryBits,
            SegmentSize = 1L << _sizes.LogSegmentBits,
            CheckpointDir = CheckpointDirectory,
            RemoveOutdatedCheckpoints = true,
            EqualityComparer = new DeliveryKeyComparer(),
        };
        _kv = new FasterKV<DeliveryKey, StoredDelivery>(settings);
    }

    public string Directory { get; }

    /// <summary>The index's hybrid log: its segment files, "hlog.log.0", "hlog.log.1", ...</summary>
    public string LogDirectory { get; }
    public string CheckpointDirectory { get; }

    /// <summary>Where the index's log begins: compaction moves it past expired entries.</summary>
    internal long LogBeginAddress => _kv.Log.BeginAddress;
    internal long LogTailAddress => _kv.Log.TailAddress;

    /// <summary>Opens the store under <paramref name="directory"/> (created if absent), recovering what is on disk.</summary>
    /// <exception cref="DuplicateStoreUnavailableException">What is on disk cannot be read.</exception>
    public static async Task<LocalDuplicateStore> OpenAsync(string directory, DedupOptions options, TimeProvider time,
        ILogger<LocalDuplicateStore> logger, CancellationToken cancellationToken = default)
    {
        LocalDuplicateStore? store = null;
        try
        {
            store = new LocalDuplicateStore(directory, options, time, logger);
            await store.RecoverAsync(cancellationToken);
            store.Start();
            return store;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogOpenFailed(logger, directory, ex);
            store?.Release();
            throw new DuplicateStoreUnavailableException($"the local duplicate store at {directory} cannot be opened", ex);
        }
        catch
        {
            store?.Release();
            throw;
        }
    }

    public async Task<IReadOnlyList<DeliveredEntry?>> FindAsync(IReadOnlyList<DeliveryKey> keys, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var found = new StoredDelivery?[keys.Count];
        Enter();
        Session? session = Rent();
        try
        {
            var pending = false;
            for (var i = 0; i < keys.Count; i++)
            {
                var key = keys[i];
                var output = default(StoredDelivery);
                var status = session.Read(ref key, ref output, i);
                pending |= status.IsPending;
                found[i] = Found(status, output);
            }
            if (pending)
            {
                // Records below the head of memory are read from disk; not cancelled, so the session comes back clean.
                using var completed = await session.CompletePendingWithOutputsAsync(token: CancellationToken.None);
                while (completed.Next())
                    found[completed.Current.Context] = Found(completed.Current.Status, completed.Current.Output);
            }
        }
        catch (Exception ex)
        {
            // A session that failed mid-read may still hold operations: it is not reused.
            LogFindFailed(ex);
            session.Dispose();
            session = null;
            throw ex as DuplicateStoreUnavailableException ?? new DuplicateStoreUnavailableException("the local duplicate store failed to read", ex);
        }
        finally
        {
            if (session is not null)
                _sessions.Add(session);
            Exit();
        }
        var cutoff = ExpiredBeforeTicks();
        return [.. found.Select(f => f is { } stored && !stored.ExpiredBefore(cutoff) ? stored.ToEntry() : null)];
    }

    private static StoredDelivery? Found(Status status, StoredDelivery output) =>
        status.IsFaulted ? throw new DuplicateStoreUnavailableException("the local duplicate store failed to read a record")
        : status.Found ? output : null;

    /// <summary>Entries delivered before this (UTC ticks) have expired: they read as absent and compaction drops them.</summary>
    private long ExpiredBeforeTicks()
    {
        var now = _time.GetUtcNow().UtcTicks;
        return now - Math.Min(_window.Ticks, now); // a window longer than the calendar: nothing expires
    }

    private Session Rent() => _sessions.TryTake(out var session) ? session : _kv.For(_functions).NewSession<DeliveryFunctions>();

    private void Enter()
    {
        Interlocked.Increment(ref _calls);
        if (_closing)
        {
            Exit();
            throw new DuplicateStoreUnavailableException("the local duplicate store is closing");
        }
    }

    private void Exit() => Interlocked.Decrement(ref _calls);

    /// <summary>Stops taking calls, lets those under way finish, takes a last checkpoint (so the next start replays
    /// nothing) and closes the files.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_closing)
            return;
        _closing = true;
        while (Volatile.Read(ref _calls) > 0)
            await Task.Delay(1);
        await StopAsync();
        await _maintaining.WaitAsync(); // a maintenance round the tests started, bounded by IoTimeout
        try
        {
            // After a failure the index may not be writable: the journal has what the last checkpoint lacks.
            if (Volatile.Read(ref _failure) is null)
                await CheckpointAsync(final: true);
        }
        catch (Exception ex)
        {
            // The journal still holds everything since the last good checkpoint: the next start replays it.
            LogCheckpointFailed(ex);
        }
        try
        {
            await Task.Run(Release).WaitAsync(IoTimeout);
        }
        catch (TimeoutException)
        {
            // A device whose write failed never gives its file handles back; the process is better off without them.
            LogCloseTimedOut(IoTimeout);
        }
    }

    private void Release()
    {
        while (_sessions.TryTake(out var session))
            session.Dispose();
        _writer?.Dispose();
        _kv.Dispose();
        _device.Dispose();
        _journal.Dispose();
        _work.Dispose();
        _gate.Dispose();
        _maintaining.Dispose();
        _stop.Dispose();
    }

    [LoggerMessage(8100, LogLevel.Error, "The local duplicate store at {Directory} cannot be opened")]
    private static partial void LogOpenFailed(ILogger logger, string directory, Exception exception);

    [LoggerMessage(8110, LogLevel.Error, "Local duplicate store: closing its files did not finish in {Timeout} (a write failed earlier); they are left open")]
    private partial void LogCloseTimedOut(TimeSpan timeout);

    [LoggerMessage(8101, LogLevel.Error, "The local duplicate store failed to read; the delivery check cannot answer")]
    private partial void LogFindFailed(Exception exception);
}
