using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TransportGuard.Spool;

namespace TransportGuard.Queue;

/// <summary>
/// The schedule stage (docs/architecture.md): every spooled message the store announces or recovers is ready,
/// deferred until its retry time, held, or parked by a gate; the dispatcher starts one attempt per ready message
/// within the active limit. Decisions are the store's records, so after a crash the rebuilt index says where every
/// message stood. All timing is on the injected clock.
/// </summary>
internal sealed partial class QueueScheduler : BackgroundService
{
    private readonly IMessageStore _store;
    private readonly DeliveryAttempt _attempt;
    private readonly IReadOnlyList<IDeliveryGate> _gates;
    private readonly IReadOnlyList<IRecoveryHook> _recovery;
    private readonly QueueOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<QueueScheduler> _logger;
    private readonly SemaphoreSlim _activeSlots;
    private readonly Channel<string> _ready = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });
    private readonly PriorityQueue<string, DateTimeOffset> _deferred = new();
    private readonly Lock _deferredLock = new();
    private readonly ConcurrentDictionary<string, Task> _active = new(StringComparer.Ordinal);
    private readonly Lock _dispatchLock = new();
    private volatile bool _paused;
    /// <summary>Cancels running deliveries: on a stop, only after <see cref="QueueOptions.StopGracePeriod"/>.</summary>
    private readonly CancellationTokenSource _abort = new();
    private TaskCompletionSource _wake = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public QueueScheduler(IMessageStore store, DeliveryAttempt attempt, IEnumerable<IDeliveryGate> gates, IEnumerable<IRecoveryHook> recovery,
        IOptions<QueueOptions> options, DeliveryMetrics metrics, TimeProvider time, ILogger<QueueScheduler> logger)
    {
        (_store, _attempt, _options, _time, _logger) = (store, attempt, options.Value, time, logger);
        _gates = [.. gates];
        _recovery = [.. recovery];
        foreach (var gate in _gates)
            gate.Reopened += Schedule;
        _activeSlots = new SemaphoreSlim(_options.MaxActiveMessages);
        metrics.Observe(CountByState);
    }

    /// <summary>Messages being attempted right now.</summary>
    public int ActiveCount => _active.Count;

    public bool IsActive(string queueId) => _active.ContainsKey(queueId);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        _store.Committed += OnCommitted;
        try
        {
            foreach (var hook in _recovery)
                await hook.RecoverAsync(stoppingToken);
            var resumed = 0;
            foreach (var message in _store.Messages.ToList())
            {
                Schedule(message.Envelope.QueueId);
                resumed++;
            }
            LogResumed(resumed);
            if (_options.Suspended)
            {
                LogSuspended();
                await Task.Delay(Timeout.Infinite, stoppingToken);
            }
            await Task.WhenAll(DispatchAsync(stoppingToken), TimerAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            _store.Committed -= OnCommitted;
            // Deliveries under way may finish and record what their next hop accepted, within the grace period;
            // wait for them so none outlives the spool they write to.
            if (!_active.IsEmpty)
                LogStopping(_active.Count, _options.StopGracePeriod.TotalSeconds);
            _abort.CancelAfter(_options.StopGracePeriod);
            await Task.WhenAll(_active.Values);
        }
    }

    public override void Dispose()
    {
        base.Dispose();
        _activeSlots.Dispose();
        _abort.Dispose();
    }

    // New mail goes straight to the dispatcher, which leaves alone what is not ours to deliver (a shadow copy).
    private void OnCommitted(SpooledMessage message) => _ready.Writer.TryWrite(message.Envelope.QueueId);

    /// <summary>Puts a message where its progress says it belongs: held (nowhere), deferred, or ready.</summary>
    public void Schedule(string queueId) => Schedule(queueId, _store.Progress(queueId));

    public void Schedule(string queueId, MessageProgress progress)
    {
        if (progress.Held || !_store.TryGet(queueId, out var message) || !progress.Deliverable(message.Envelope))
            return;
        if (progress.NextAttemptAt is { } at && at > _time.GetUtcNow())
            Defer(queueId, at);
        else
            _ready.Writer.TryWrite(queueId);
    }

    /// <summary>No new delivery attempts (a drain hands the queue to a peer instead); running ones finish.</summary>
    public void Pause()
    {
        lock (_dispatchLock)
            _paused = true;
    }

    /// <summary>Attempts start again (a cancelled drain): everything live is scheduled anew, as what became due
    /// while paused was passed over.</summary>
    public void Resume()
    {
        lock (_dispatchLock)
            _paused = false;
        foreach (var message in _store.Messages.ToList())
            Schedule(message.Envelope.QueueId);
    }

    /// <summary>Keeps a message until <paramref name="at"/>, waking the timer in case that is earlier than it sleeps.</summary>
    private void Defer(string queueId, DateTimeOffset at)
    {
        lock (_deferredLock)
            _deferred.Enqueue(queueId, at);
        Wake();
    }

    private void Wake() => Interlocked.Exchange(ref _wake, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

    /// <summary>Moves deferred messages to the ready queue when their time comes; sleeps until the earliest, or until
    /// a new one is deferred.</summary>
    private async Task TimerAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var wake = Volatile.Read(ref _wake);
            DateTimeOffset? earliest = null;
            lock (_deferredLock)
            {
                var now = _time.GetUtcNow();
                while (_deferred.TryPeek(out var queueId, out var at))
                {
                    if (at > now)
                    {
                        earliest = at;
                        break;
                    }
                    _deferred.Dequeue();
                    _ready.Writer.TryWrite(queueId);
                }
            }
            using var sleep = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            Task delay;
            if (earliest is { } due)
            {
                // A clock that jumps (a virtual one in tests) may move between reading it and setting the timer: a
                // message already due is moved now (a minimal sleep would wait for the next jump), and a timer set
                // while the clock moved is set again (it would count from the wrong moment).
                var setAt = _time.GetUtcNow();
                if (due <= setAt)
                    continue;
                delay = Task.Delay(due - setAt, _time, sleep.Token);
                if (_time.GetUtcNow() - setAt > TimeSpan.FromMilliseconds(1))
                {
                    await sleep.CancelAsync();
                    continue;
                }
            }
            else
            {
                delay = Task.Delay(Timeout.Infinite, sleep.Token);
            }
            await Task.WhenAny(wake.Task, delay);
            await sleep.CancelAsync();
            stoppingToken.ThrowIfCancellationRequested();
        }
    }

    /// <summary>Starts an attempt for each ready message that is still due, not held, not already running, and
    /// that every gate lets start.</summary>
    private async Task DispatchAsync(CancellationToken stoppingToken)
    {
        await foreach (var queueId in _ready.Reader.ReadAllAsync(stoppingToken))
        {
            // A failed spool records nothing more: an attempt now could deliver without being able to say so, and
            // would then deliver again on every retry. The gateway restarts once space is back and recovery resumes.
            if (_paused || _store.Faulted || !_store.TryGet(queueId, out var message))
                continue;
            var progress = _store.Progress(queueId);
            if (progress.Held || progress.NextAttemptAt > _time.GetUtcNow() || _active.ContainsKey(queueId)
                || !progress.Deliverable(message.Envelope) || !_gates.All(g => g.MayStart(message)))
                continue;
            await _activeSlots.WaitAsync(stoppingToken);
            var attempt = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            bool started;
            lock (_dispatchLock) // a pause takes this lock: once Pause returns, no attempt starts
                started = !_paused && _active.TryAdd(queueId, attempt.Task);
            if (!started)
            {
                _activeSlots.Release();
                continue;
            }
            _ = RunAttemptAsync(message, attempt, _abort.Token);
        }
    }

    private async Task RunAttemptAsync(SpooledMessage message, TaskCompletionSource done, CancellationToken abortToken)
    {
        var queueId = message.Envelope.QueueId;
        MessageProgress? next = null;
        try
        {
            next = await _attempt.RunAsync(message, () => MayComplete(message), abortToken);
        }
        catch (OperationCanceledException) when (abortToken.IsCancellationRequested)
        {
            // Stopped past the grace period before anything was recorded for this attempt: recovery retries it.
        }
        catch (Exception ex)
        {
            // The spool refused a record (a failed commit) or something unforeseen: leave the message as the log
            // has it and look at it again after the first retry delay; after a failed commit, only after the restart
            // that reopens the spool (recovery schedules it then).
            LogAttemptFailed(ex, queueId);
            if (!_store.Faulted)
                Defer(queueId, _time.GetUtcNow() + _options.RetryInitialDelay);
        }
        finally
        {
            _active.TryRemove(queueId, out _);
            _activeSlots.Release();
            done.TrySetResult();
        }
        // Only now: one due at once (an attempt a gate abandoned) would be passed over by the dispatcher while still
        // marked active, and then never looked at again.
        if (next is not null)
            Schedule(queueId, next);
    }

    /// <summary>Still live (not finished meanwhile, e.g. taken over) and no gate objects.</summary>
    private bool MayComplete(SpooledMessage message) =>
        _store.TryGet(message.Envelope.QueueId, out _) && _gates.All(g => g.MayComplete(message));

    /// <summary>How many messages are in each state, cheaply, for the metrics.</summary>
    public IReadOnlyDictionary<QueueItemState, int> CountByState()
    {
        var now = _time.GetUtcNow();
        var counts = Enum.GetValues<QueueItemState>().ToDictionary(s => s, _ => 0);
        foreach (var message in _store.Unordered)
            counts[StateOf(message, _store.Progress(message.Envelope.QueueId), now)]++;
        return counts;
    }

    public QueueItemState StateOf(SpooledMessage message, MessageProgress progress, DateTimeOffset now) =>
        _active.ContainsKey(message.Envelope.QueueId) ? QueueItemState.Active
        : !progress.Deliverable(message.Envelope) ? QueueItemState.Shadow
        : progress.Held ? QueueItemState.Held
        : progress.NextAttemptAt > now ? QueueItemState.Deferred
        : QueueItemState.Ready;

    [LoggerMessage(4000, LogLevel.Information, "Queue resumed with {Messages} message(s) from the spool")]
    private partial void LogResumed(int messages);

    [LoggerMessage(4007, LogLevel.Warning, "Deliveries are suspended (Queue:Suspended): mail is queued, not delivered")]
    private partial void LogSuspended();

    [LoggerMessage(4009, LogLevel.Information, "Stopping: {Count} delivery attempt(s) under way may finish within {Seconds} s")]
    private partial void LogStopping(int count, double seconds);

    [LoggerMessage(4005, LogLevel.Error, "{QueueId}: delivery attempt failed; it will be retried")]
    private partial void LogAttemptFailed(Exception exception, string queueId);
}
