using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TransportGuard.Tracking;

namespace TransportGuard.Spool;

/// <summary>
/// Opens the spool when the gateway starts, before any listener (registration order), so no mail is taken before
/// recovery has rebuilt the queue; closes it last. It is the <see cref="IMessageStore"/> the later stages use.
/// </summary>
internal sealed class SpoolService : IHostedService, IAsyncDisposable, IMessageStore
{
    private readonly IOptions<SpoolOptions> _options;
    private readonly ILogger<MessageSpool> _logger;
    private readonly SpoolMetrics _metrics;
    private readonly RetainedMessages _retained;
    private readonly IMessageTracker _tracker;
    private MessageSpool? _spool;

    public SpoolService(IOptions<SpoolOptions> options, ILogger<MessageSpool> logger, SpoolMetrics metrics, RetainedMessages retained, IMessageTracker tracker)
    {
        _options = options;
        _retained = retained;
        _logger = logger;
        _metrics = metrics;
        _tracker = tracker;
        metrics.Watch(() => _spool);
    }

    public MessageSpool Spool => _spool ?? throw new InvalidOperationException("the spool is not open yet");

    /// <summary>The open spool, or null before recovery has finished (readiness) and after the stop.</summary>
    public MessageSpool? Current => _spool;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var spool = MessageSpool.Open(_options.Value.SpoolDirectory, _logger, retained: _retained);
        spool.CommitObserver = (elapsed, failed) =>
        {
            if (failed)
                _metrics.CommitFailed();
            else
                _metrics.Committed(elapsed);
        };
        spool.Committed += message => Committed?.Invoke(message);
        _spool = spool;
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken) => await DisposeAsync();

    public async ValueTask DisposeAsync()
    {
        var spool = Interlocked.Exchange(ref _spool, null);
        if (spool is not null)
            await spool.DisposeAsync();
    }

    public bool IsOpen => _spool is not null;
    public bool Faulted => _spool?.Faulted == true;
    public int Count => Spool.Index.Count;
    public IEnumerable<SpooledMessage> Messages => Spool.Index.Messages;
    public IEnumerable<SpooledMessage> Unordered => Spool.Index.Unordered;
    public bool TryGet(string queueId, out SpooledMessage message) => Spool.Index.TryGet(queueId, out message);
    public MessageProgress Progress(string queueId) => Spool.Index.Progress(queueId);

    public event Action<SpooledMessage>? Committed;

    public Task<MessageProgress?> RecordProgressAsync(string queueId, Func<MessageProgress, MessageProgress> change, string reason) =>
        Spool.RecordProgressAsync(queueId, change, reason);

    /// <summary>Every end of a message passes here, whoever ends it (delivered, bounced, discarded, taken over,
    /// dropped by a drain): so it is tracked here, once, with the reason (docs/tracking.md).</summary>
    public async Task MarkFinishedAsync(string queueId, string reason, IEnumerable<RecipientOutcome>? outcomes = null)
    {
        var known = Spool.Index.TryGet(queueId, out var message);
        await Spool.MarkFinishedAsync(queueId, reason, outcomes);
        _tracker.Record((known ? message.Envelope.Tracked(TrackingEventKind.Finish) : new TrackingEvent { Event = TrackingEventKind.Finish, QueueId = queueId })
            with { Detail = reason });
    }

    public RetainedMessages Retained => Spool.Retained;

    public Task<SpooledMessage> StoreAsync(SpooledEnvelope template, ReadOnlyMemory<byte> content, CancellationToken cancellationToken) =>
        Spool.StoreAsync(template, content, cancellationToken);

    public IAsyncEnumerable<ReadOnlyMemory<byte>> ReadChunksAsync(SpooledEnvelope envelope, CancellationToken cancellationToken = default) =>
        Spool.ReadChunksAsync(envelope, cancellationToken);

    public Task<byte[]> ReadContentAsync(SpooledEnvelope envelope, CancellationToken cancellationToken = default) =>
        Spool.ReadContentAsync(envelope, cancellationToken);
}
