using System.Buffers.Binary;
using FASTER.core;
using Microsoft.Extensions.Logging;
using TransportGuard.Spool;

namespace TransportGuard.Dedup;

/// <summary>
/// Space and restart time (docs/dedup.md): every <see cref="MaintenanceInterval"/> expired entries are compacted out
/// of the index's log, the index is checkpointed (fold-over: the log is written up to its tail, with the journal
/// address the checkpoint covers as its cookie), and then the journal before that address and the log before its new
/// begin are truncated. Disk stays bounded under steady load: the window's entries, plus one checkpoint interval.
/// </summary>
internal sealed partial class LocalDuplicateStore
{
    internal static readonly TimeSpan MaintenanceInterval = TimeSpan.FromSeconds(30);

    /// <summary>The hash index (a quarter of the memory budget) is written with every tenth checkpoint only; recovery
    /// replays the log since the index's checkpoint to bring it up to date.</summary>
    private const int IndexCheckpointEvery = 10;

    /// <summary>Live entries a compaction copies forward at most: those interleaved with expired ones (copies from
    /// earlier compactions, an out-of-order clock). It stops before a run of live entries, so it copies few.</summary>
    private const int MaxLiveCopies = 10_000;

    /// <summary>How long a checkpoint, or closing the files, may take: FASTER waits for ever on a write that failed.</summary>
    internal static TimeSpan IoTimeout { get; set; } = TimeSpan.FromMinutes(2);

    private readonly SemaphoreSlim _maintaining = new(1, 1);
    private Task _maintenance = Task.CompletedTask;
    private int _checkpoints;
    private (long Journal, long Begin, long Tail) _checkpointed = (-1, -1, -1);

    private void Start()
    {
        _loop = Task.Run(RunAsync);
        _maintenance = Task.Run(MaintainPeriodicallyAsync);
    }

    private async Task StopAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await Task.WhenAll(_loop, _maintenance).WaitAsync(IoTimeout);
        }
        catch (TimeoutException)
        {
            LogStopTimedOut(IoTimeout);
        }
    }

    private async Task MaintainPeriodicallyAsync()
    {
        using var timer = new PeriodicTimer(MaintenanceInterval, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token))
            {
                try
                {
                    await MaintainAsync();
                }
                catch (DuplicateStoreUnavailableException)
                {
                    // Logged; the next round tries again, and until then the journal keeps what is not checkpointed.
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>One maintenance round: compaction, checkpoint, truncation.</summary>
    /// <exception cref="DuplicateStoreUnavailableException">A step failed (logged); nothing recorded is lost.</exception>
    internal async Task MaintainAsync()
    {
        await _maintaining.WaitAsync();
        try
        {
            if (Volatile.Read(ref _failure) is { } failure)
                throw new IOException("the store failed earlier", failure);
            // Bounded: compaction copies live entries to the tail, which blocks for ever on a disk that cannot be written.
            await Task.Run(Compact).WaitAsync(IoTimeout);
            await CheckpointAsync(final: false);
        }
        catch (Exception ex)
        {
            LogMaintenanceFailed(ex);
            throw new DuplicateStoreUnavailableException("the local duplicate store's maintenance failed", ex);
        }
        finally
        {
            _maintaining.Release();
        }
    }

    private void Compact()
    {
        var log = _kv.Log;
        // Compaction may only take the read-only part of the log; the fold-over checkpoint that follows would make
        // all of it read-only anyway, so do that first. Not waiting for the flush: FASTER would spin for ever on a
        // failed write, and compaction needs the part to be read-only, not yet on disk.
        log.ShiftReadOnlyAddress(log.TailAddress, wait: false);
        var cutoff = ExpiredBeforeTicks();
        var begin = log.BeginAddress;
        var until = ExpiredPrefixEnd(begin, log.SafeReadOnlyAddress, cutoff);
        if (until <= begin)
            return;
        var compacted = log.Compact<RecordInput, StoredDelivery, int, DeliveryFunctions, ExpiredDeliveries>(
            _functions, new ExpiredDeliveries(cutoff), until, CompactionType.Lookup);
        LogCompacted(begin, compacted, log.TailAddress);
    }

    /// <summary>The end of the log's expired head: the address after its last expired record, found before
    /// <see cref="MaxLiveCopies"/> live ones.</summary>
    private long ExpiredPrefixEnd(long begin, long end, long cutoff)
    {
        var until = begin;
        var live = 0;
        using var records = _kv.Log.Scan(begin, end);
        while (records.GetNext(out var info))
        {
            if (info.Tombstone || records.GetValue().ExpiredBefore(cutoff))
                until = records.NextAddress;
            else if (++live > MaxLiveCopies)
                break;
        }
        return until;
    }

    private async Task CheckpointAsync(bool final)
    {
        long covered;
        bool full;
        Guid token;
        await _gate.WaitAsync();
        try
        {
            // No round is applying: every journal entry before the first queued one is in the index.
            lock (_pendingLock)
                covered = _pending.Count > 0 ? _pending[0].Address : _journal.Log.TailAddress;
            if (_checkpointed == (covered, _kv.Log.BeginAddress, _kv.Log.TailAddress))
                return;
            var cookie = new byte[8];
            BinaryPrimitives.WriteInt64LittleEndian(cookie, covered);
            _kv.CommitCookie = cookie;
            full = _checkpoints % IndexCheckpointEvery == 0;
            var started = full
                ? _kv.TryInitiateFullCheckpoint(out token, CheckpointType.FoldOver)
                : _kv.TryInitiateHybridLogCheckpoint(out token, CheckpointType.FoldOver);
            if (!started)
                throw new InvalidOperationException("FASTER refused to start a checkpoint");
        }
        finally
        {
            _gate.Release();
        }
        try
        {
            await _kv.CompleteCheckpointAsync().AsTask().WaitAsync(IoTimeout);
        }
        catch (TimeoutException ex)
        {
            // FASTER does not fail a checkpoint whose writes failed: it waits for the flush for ever.
            throw new IOException($"checkpoint {token} did not complete in {IoTimeout}; writing the index's files failed", ex);
        }
        // FASTER writes its files O_SYNC but never syncs a directory: new log segments and the checkpoint's files must
        // survive a power loss before the journal that could replace them goes.
        DirectorySync.Fsync(LogDirectory);
        foreach (var directory in System.IO.Directory.EnumerateDirectories(CheckpointDirectory, "*", SearchOption.AllDirectories).Prepend(CheckpointDirectory))
            DirectorySync.Fsync(directory);
        _checkpoints++;
        _checkpointed = (covered, _kv.Log.BeginAddress, _kv.Log.TailAddress);
        LogCheckpointed(token, full, covered, _kv.Log.BeginAddress, _kv.Log.TailAddress);
        // Persisted by the journal's next commit; until then a restart replays a little more, which changes nothing.
        _journal.Log.TruncateUntil(covered);
        if (final)
            await _journal.CommitAsync(CancellationToken.None);
    }

    [LoggerMessage(8104, LogLevel.Information, "Local duplicate store: compacted its log from {Begin} to {Until} (expired entries dropped, live ones copied forward; tail {Tail})")]
    private partial void LogCompacted(long begin, long until, long tail);

    [LoggerMessage(8105, LogLevel.Debug, "Local duplicate store: checkpoint {Token} (index too: {Full}) covers the journal before {Covered}; log from {Begin} to {Tail}")]
    private partial void LogCheckpointed(Guid token, bool full, long covered, long begin, long tail);

    [LoggerMessage(8106, LogLevel.Error, "Local duplicate store: maintenance failed; the journal keeps everything since the last checkpoint")]
    private partial void LogMaintenanceFailed(Exception exception);

    [LoggerMessage(8111, LogLevel.Error, "Local duplicate store: its loops did not stop in {Timeout} (a write failed earlier)")]
    private partial void LogStopTimedOut(TimeSpan timeout);

    [LoggerMessage(8107, LogLevel.Error, "Local duplicate store: the last checkpoint at closing failed; the next start replays the journal")]
    private partial void LogCheckpointFailed(Exception exception);
}
