using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TransportGuard.Delivery;
using TransportGuard.Delivery.Routing;
using TransportGuard.Shadow;
using TransportGuard.Spool;
using TransportGuard.Telemetry;

namespace TransportGuard.Queue;

/// <summary>
/// The queue manager (DESIGN.md section 1, Queue/): schedules every spooled message for delivery, keeps deferred
/// ones until their retry time, applies outcomes, returns failures to the sender and finishes what is done. Its
/// state is the spool's: each decision is written to the log before it is acted on, so after a crash the rebuilt
/// index says exactly where every message stood. All timing is on the injected clock.
/// </summary>
public sealed partial class QueueManager : BackgroundService
{
    private readonly SpoolService _spool;
    private readonly RouteTable _routes;
    private readonly DeliveryAgents _agents;
    private readonly BounceWriter _bounces;
    private readonly QueueOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<QueueManager> _logger;
    private readonly DestinationScheduler _scheduler;
    private readonly SemaphoreSlim _activeSlots;
    private readonly Channel<string> _ready = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });
    private readonly PriorityQueue<string, DateTimeOffset> _deferred = new();
    private readonly Lock _deferredLock = new();
    private readonly ConcurrentDictionary<string, Task> _active = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _lastError = new(StringComparer.Ordinal);
    private TaskCompletionSource _wake = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private readonly DeliveryMetrics _metrics;
    private readonly ShadowStore _shadows;
    private readonly DiscardNotices _notices;
    private readonly PeerDirectory _peers;
    private readonly QueueIdGenerator _ids;
    private readonly HolderLeases _leases;

    /// <summary>Recovered messages whose shadow holder may have taken them over: held back until it says which
    /// (takeover fencing, DESIGN.md section 3).</summary>
    private readonly ConcurrentDictionary<string, string> _fenced = new(StringComparer.Ordinal);

    public QueueManager(SpoolService spool, RouteTable routes, DeliveryAgents agents, BounceWriter bounces,
        IOptions<QueueOptions> options, DeliveryMetrics metrics, ShadowStore shadows, DiscardNotices notices, PeerDirectory peers,
        QueueIdGenerator ids, HolderLeases leases, TimeProvider time, ILogger<QueueManager> logger)
    {
        _ids = ids;
        _leases = leases;
        _shadows = shadows;
        _notices = notices;
        _peers = peers;
        _metrics = metrics;
        metrics.Observe(this);
        _spool = spool;
        _routes = routes;
        _agents = agents;
        _bounces = bounces;
        _options = options.Value;
        _time = time;
        _logger = logger;
        _scheduler = new DestinationScheduler(_options.MaxConcurrentDeliveries, _options.MaxConcurrencyPerDestination);
        _activeSlots = new SemaphoreSlim(_options.MaxActiveMessages);
    }

    private MessageSpool Spool => _spool.Spool;

    /// <summary>Messages being attempted right now.</summary>
    public int ActiveCount => _active.Count;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        Spool.Committed += OnCommitted;
        try
        {
            var resumed = 0;
            var takenOver = TakenOverAtRecovery();
            foreach (var message in Spool.Index.Messages.ToList())
            {
                await RecoveredAsync(message, Spool.Index.Progress(message.Envelope.QueueId), takenOver);
                Schedule(message.Envelope.QueueId, Spool.Index.Progress(message.Envelope.QueueId));
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
            Spool.Committed -= OnCommitted;
            // Attempts see the same token; wait for them so none outlives the spool they write to.
            await Task.WhenAll(_active.Values);
        }
    }

    public override void Dispose()
    {
        base.Dispose();
        _scheduler.Dispose();
        _activeSlots.Dispose();
    }

    private void OnCommitted(SpooledMessage message)
    {
        if (message.Envelope.ShadowOf is { } shadow)
            _shadows.Add(shadow, message.Envelope.QueueId); // a copy a primary sent us: held, not delivered
        else
            _ready.Writer.TryWrite(message.Envelope.QueueId);
    }

    /// <summary>Puts a message where its progress says it belongs: held (nowhere), deferred, or ready.</summary>
    private void Schedule(string queueId, MessageProgress progress)
    {
        if (progress.Held || _fenced.ContainsKey(queueId) || !Spool.Index.TryGet(queueId, out var message) || !progress.Deliverable(message.Envelope))
            return;
        if (progress.NextAttemptAt is { } at && at > _time.GetUtcNow())
            Defer(queueId, at);
        else
            _ready.Writer.TryWrite(queueId);
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

    /// <summary>Starts an attempt for each ready message that is still due, not held and not already running.</summary>
    private async Task DispatchAsync(CancellationToken stoppingToken)
    {
        await foreach (var queueId in _ready.Reader.ReadAllAsync(stoppingToken))
        {
            if (_paused || !Spool.Index.TryGet(queueId, out var message))
                continue;
            var progress = Spool.Index.Progress(queueId);
            if (progress.Held || progress.NextAttemptAt > _time.GetUtcNow() || _active.ContainsKey(queueId)
                || _fenced.ContainsKey(queueId) || !progress.Deliverable(message.Envelope) || LeaseExpired(message.Envelope))
                continue;
            await _activeSlots.WaitAsync(stoppingToken);
            var attempt = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            bool started;
            lock (_dispatchLock) // a pause takes this lock: once PauseDispatch returns, no attempt starts
                started = !_paused && _active.TryAdd(queueId, attempt.Task);
            if (!started)
            {
                _activeSlots.Release();
                continue;
            }
            _ = RunAttemptAsync(message, attempt, stoppingToken);
        }
    }

    private async Task RunAttemptAsync(SpooledMessage message, TaskCompletionSource done, CancellationToken stoppingToken)
    {
        var queueId = message.Envelope.QueueId;
        try
        {
            await AttemptAsync(message, stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: nothing was recorded for this attempt, so recovery retries it.
        }
        catch (Exception ex)
        {
            // The spool refused a record (a failed commit) or something unforeseen: leave the message as the log
            // has it and look at it again after the first retry delay.
            LogAttemptFailed(ex, queueId);
            Defer(queueId, _time.GetUtcNow() + _options.RetryInitialDelay);
        }
        finally
        {
            _active.TryRemove(queueId, out _);
            _activeSlots.Release();
            done.TrySetResult();
        }
    }
}
