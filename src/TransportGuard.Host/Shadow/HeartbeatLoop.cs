namespace TransportGuard.Shadow;

/// <summary>What a primary answered to XQUERYDISCARD.</summary>
internal sealed record DiscardReply(string Incarnation, long Batch, IReadOnlyList<string> Discard);

/// <summary>The holder's line to one primary. Throws when the query fails (connect, timeout, 4xx/5xx, garbage).</summary>
internal interface IHeartbeatTransport : IAsyncDisposable
{
    Task<DiscardReply> QueryAsync(long ack, CancellationToken cancellationToken);

    /// <summary>Drops the connection after a failure, so the next beat starts a fresh one.</summary>
    ValueTask ResetAsync();
}

/// <summary>What a heartbeat loop tells its owner.</summary>
internal interface IHeartbeatListener
{
    /// <summary>The primary delivered these (its queue ids): forget the shadows durably before the batch is acknowledged.</summary>
    Task DiscardAsync(string primary, IReadOnlyList<string> primaryQueueIds);

    Task TakeOverAsync(string primary, string reason);

    void Beat(string primary, TimeSpan roundTrip, bool failed);

    /// <summary>Acting on a reply failed (the spool refused a record): the loop goes on with the next beat.</summary>
    void Faulted(string primary, Exception exception);
}

/// <summary>
/// XQUERYDISCARD every <see cref="ShadowOptions.ShadowHeartbeatFrequency"/> (docs/protocol.md). A query that
/// fails or takes longer than one interval counts as failed; <see cref="ShadowOptions.ShadowHeartbeatRetryCount"/>
/// failures in a row, and at least that many intervals since the last good reply, declare the primary down and
/// take its shadows over, once. The time floor is what the primary's lease counts on (HolderLeases): beats that
/// bunch up after a stall must not take over sooner. A changed spool incarnation means
/// the primary lost its queue: takeover at once. A batch is acknowledged only on the query after its discards are
/// durable, so a lost reply costs a repeat, never a shadow.
/// </summary>
internal sealed class HeartbeatLoop(string primary, IHeartbeatTransport transport, IHeartbeatListener listener, ShadowOptions options, TimeProvider time)
{
    private long _ack;
    private string? _incarnation;
    private long _lastGood = time.GetTimestamp();
    private bool _declaredDown;
    private readonly TimeSpan _patience = options.ShadowHeartbeatFrequency * options.ShadowHeartbeatRetryCount;

    public int ConsecutiveFailures { get; private set; }

    /// <summary>Beats completed, whatever their outcome (lets a test on a virtual clock wait for each).</summary>
    public int Beats => Volatile.Read(ref _beats);
    private int _beats;

    public async Task RunAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.ShadowHeartbeatFrequency, time);
        // Every peer is watched, not only those we hold shadows for: a dead peer is routed around either way, and
        // each query renews our lease at the primary (see HolderLeases), which lets it deliver what we shadow.
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await BeatAsync(stoppingToken);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                listener.Faulted(primary, ex); // the batch stays unacknowledged, so it comes again
            }
            finally
            {
                Interlocked.Increment(ref _beats);
            }
        }
    }

    /// <summary>One heartbeat (public for tests that drive beats one by one).</summary>
    public async Task BeatAsync(CancellationToken stoppingToken)
    {
        var started = time.GetTimestamp();
        DiscardReply reply;
        try
        {
            using var deadline = new CancellationTokenSource(options.ShadowHeartbeatFrequency, time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, deadline.Token);
            reply = await transport.QueryAsync(_ack, linked.Token);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
        {
            listener.Beat(primary, time.GetElapsedTime(started), failed: true);
            await transport.ResetAsync();
            if (++ConsecutiveFailures >= options.ShadowHeartbeatRetryCount && !_declaredDown && time.GetElapsedTime(_lastGood) >= _patience)
            {
                _declaredDown = true;
                await listener.TakeOverAsync(primary, $"no answer to {ConsecutiveFailures} heartbeats ({ex.Message})");
            }
            return;
        }
        listener.Beat(primary, time.GetElapsedTime(started), failed: false);
        ConsecutiveFailures = 0;
        _lastGood = time.GetTimestamp();
        _declaredDown = false;
        if (_incarnation is not null && reply.Incarnation != _incarnation)
        {
            _incarnation = reply.Incarnation;
            _ack = 0;
            await listener.TakeOverAsync(primary, "its spool incarnation changed: it lost its queue");
            return;
        }
        _incarnation = reply.Incarnation;
        if (reply.Discard.Count > 0)
            await listener.DiscardAsync(primary, reply.Discard);
        _ack = reply.Batch;
    }
}
