using Microsoft.Extensions.Logging;

namespace TransportGuard.Spool;

/// <summary>
/// Group commit (docs/spool.md): writers enqueue their records, then wait for the first commit that covers
/// their last address; one loop commits whenever someone waits. A commit covers every record enqueued before it,
/// so under load one fsync answers many messages.
/// </summary>
internal sealed partial class GroupCommitter : IAsyncDisposable
{
    private readonly SpoolLog _log;
    private readonly ILogger _logger;
    private readonly Lock _lock = new();
    private readonly List<(long Address, TaskCompletionSource Durable)> _waiters = [];
    private readonly SemaphoreSlim _work = new(0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public GroupCommitter(SpoolLog log, ILogger logger)
    {
        _log = log;
        _logger = logger;
        _loop = Task.Run(RunAsync);
    }

    public long Commits { get; private set; }

    /// <summary>Told of every commit: how long it took, and whether it failed (for the spool's metrics).</summary>
    public Action<TimeSpan, bool>? Observer { get; set; }

    /// <summary>How many commits have failed since the spool opened.</summary>
    public long Failures => Interlocked.Read(ref _failures);
    private long _failures;

    /// <summary>Completes when the record at <paramref name="address"/> is durable; faults when its commit failed.</summary>
    public Task WaitDurableAsync(long address)
    {
        if (_log.Log.CommittedUntilAddress > address)
            return Task.CompletedTask;
        var durable = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_lock)
            _waiters.Add((address, durable));
        _work.Release();
        return durable.Task;
    }

    private async Task RunAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                await _work.WaitAsync(_stop.Token);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            while (_work.CurrentCount > 0)
                _work.Wait(0); // one commit answers every waiter that arrived before it
            await CommitOnceAsync();
        }
        FailAll(new ObjectDisposedException(nameof(GroupCommitter), "the spool is closing"));
    }

    private async Task CommitOnceAsync()
    {
        (long, TaskCompletionSource)[] waiting;
        lock (_lock)
            waiting = [.. _waiters];
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        try
        {
            await _log.CommitAsync(CancellationToken.None);
            Commits++;
            Observer?.Invoke(System.Diagnostics.Stopwatch.GetElapsedTime(started), false);
        }
        catch (Exception ex)
        {
            Observer?.Invoke(System.Diagnostics.Stopwatch.GetElapsedTime(started), true);
            // Nothing it covered may be acknowledged: every waiter it was for hears of the failure (451 4.3.0).
            Interlocked.Increment(ref _failures);
            LogCommitFailed(ex);
            Complete(waiting, ex);
            return;
        }
        var committed = _log.Log.CommittedUntilAddress;
        Complete([.. waiting.Where(w => w.Item1 < committed)], null);
        lock (_lock)
        {
            if (_waiters.Count > 0)
                _work.Release(); // some arrived after the commit started: go again
        }
    }

    private void Complete((long Address, TaskCompletionSource Durable)[] done, Exception? error)
    {
        var finished = done.Select(d => d.Durable).ToHashSet();
        lock (_lock)
            _waiters.RemoveAll(w => finished.Contains(w.Durable));
        foreach (var (_, durable) in done)
        {
            if (error is null)
                durable.TrySetResult();
            else
                durable.TrySetException(new IOException("spool commit failed", error));
        }
    }

    private void FailAll(Exception error)
    {
        (long, TaskCompletionSource)[] waiting;
        lock (_lock)
            waiting = [.. _waiters];
        Complete(waiting, error);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
        _work.Dispose();
    }

    [LoggerMessage(2100, LogLevel.Error, "Spool commit failed; messages waiting on it are refused with 451")]
    private partial void LogCommitFailed(Exception exception);
}
