using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TransportGuard.Delivery.Smtp;
using TransportGuard.Spool;
using TransportGuard.Telemetry;

namespace TransportGuard.Shadow;

/// <summary>
/// The holder's side of shadow redundancy (docs/protocol.md): a heartbeat loop per peer, discards, takeovers and
/// the auto-discard of shadows nobody ever answers for; and, as a primary after a restart, the fencing questions
/// to its holders.
/// </summary>
internal sealed partial class ShadowManager : BackgroundService, IHeartbeatListener
{
    private readonly PeerDirectory _peers;
    private readonly ShadowStore _shadows;
    private readonly TakeoverFence _fence;
    private readonly KeptMessages _kept;
    private readonly TakenReports _taken;
    private readonly TakeoverGuard _guard;
    private readonly IMessageStore _store;
    private readonly SmtpClientProfile _profile;
    private readonly ShadowOptions _options;
    private readonly RedundancyMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger<ShadowManager> _logger;

    public ShadowManager(PeerDirectory peers, ShadowStore shadows, TakeoverFence fence, KeptMessages kept, TakenReports taken, TakeoverGuard guard, IMessageStore store, SmtpClientProfile profile,
        IOptions<ShadowOptions> options, RedundancyMetrics metrics, MetricsRegistry registry, TimeProvider time, ILogger<ShadowManager> logger)
    {
        (_peers, _shadows, _fence, _kept, _taken, _guard, _store, _profile, _options, _metrics, _time, _logger) = (peers, shadows, fence, kept, taken, guard, store, profile, options.Value, metrics, time, logger);
        fence.Requested += OnFenceRequested; // subscribed before the queue starts recovering (hosted services are made first)
        registry.BeforeCollect(() =>
        {
            foreach (var peer in peers.Peers)
                metrics.ShadowMessages.WithLabels(peer.Id).Set(shadows.Count(peer.Id));
        });
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_peers.Peers.Count == 0)
            return;
        var loops = _peers.Peers.Select(peer => RunLoopAsync(peer, stoppingToken)).ToList();
        loops.Add(AutoDiscardAsync(stoppingToken));
        try
        {
            await Task.WhenAll(loops);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task RunLoopAsync(Peer peer, CancellationToken stoppingToken)
    {
        await using var transport = new SmtpHeartbeatTransport(peer, _peers, _profile, _options.ShadowHeartbeatFrequency, _time,
            () => _peers.IsDown(peer.Id) || _taken.Outstanding(peer.Id));
        await new HeartbeatLoop(peer.Id, transport, this, _options, _time).RunAsync(stoppingToken);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stop.CancelAsync();
        await base.StopAsync(cancellationToken);
    }

    public override void Dispose()
    {
        _stop.Dispose();
        base.Dispose();
    }

    public async Task DiscardAsync(string primary, IReadOnlyList<string> primaryQueueIds)
    {
        foreach (var primaryQueueId in primaryQueueIds)
        {
            if (!_shadows.TryRemove(primary, primaryQueueId, out var local))
            {
                // Taken over meanwhile (the primary ended it before it went down), or a copy still on its way.
                if (await _taken.PrimaryEndedAsync(primary, primaryQueueId) || !_shadows.NoticeBeforeCopy(primary, primaryQueueId, out local))
                    continue;
            }
            await _kept.ReleaseAsync(local, shadowDiscarded: true, $"shadow discarded: {primary} delivered {primaryQueueId}");
            _metrics.DiscardNotices.Inc();
        }
    }

    public async Task TakeOverAsync(string primary, string reason)
    {
        _peers.MarkDown(primary);
        _metrics.Takeovers.WithLabels(primary).Inc();
        var shadows = _shadows.TakeAll(primary);
        LogTakeover(primary, reason, shadows.Count);
        await TakeOverEachAsync(primary, shadows);
    }

    public void Faulted(string primary, Exception exception) => LogLoopFaulted(exception, primary);

    public void Beat(string primary, TimeSpan roundTrip, bool failed)
    {
        if (failed)
        {
            _metrics.HeartbeatFailures.WithLabels(primary).Inc();
            if (_peers.IsDown(primary) && _shadows.Count(primary) > 0)
                _ = CatchUpAsync(primary); // shadows that came after the takeover (a relay that ended as it went down)
            return;
        }
        _metrics.HeartbeatDuration.WithLabels(primary).Observe(roundTrip.TotalSeconds);
        if (_peers.IsDown(primary))
        {
            _peers.MarkUp(primary);
            LogPeerBack(primary);
        }
    }

    /// <summary>Drops shadows whose primary never sent a discard notice within the interval (Exchange's
    /// ShadowMessageAutoDiscardInterval), and taken-over messages their old primary never asked about.</summary>
    private async Task AutoDiscardAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(Math.Min(60, Math.Max(1, _options.ShadowMessageAutoDiscardInterval.TotalSeconds / 10))), _time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await AutoDiscardOnceAsync();
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                LogLoopFaulted(ex, "auto-discard");
            }
        }
    }

    private async Task AutoDiscardOnceAsync()
    {
        var cutoff = _time.GetUtcNow() - _options.ShadowMessageAutoDiscardInterval;
        foreach (var message in _store.Unordered.ToList())
        {
            var progress = _store.Progress(message.Envelope.QueueId);
            // Shadows, and delivered takeover copies kept for a fencing question that never came.
            var held = message.Envelope.ShadowOf ?? progress.Shadow ?? (progress.AwaitingDiscard ? message.Envelope.TakenOverFrom : null);
            if (held is not { } shadow || shadow.Since > cutoff)
                continue;
            _shadows.TryRemove(shadow.Primary, shadow.PrimaryQueueId, out _);
            await _store.MarkFinishedAsync(message.Envelope.QueueId, $"shadow auto-discarded: no word from {shadow.Primary} since {shadow.Since:u}");
            _metrics.AutoDiscarded.Inc();
            LogAutoDiscarded(message.Envelope.QueueId, shadow.Primary);
        }
    }

    [LoggerMessage(5103, LogLevel.Error, "Shadow work for {Primary} failed; it is tried again on the next beat")]
    private partial void LogLoopFaulted(Exception exception, string primary);

    [LoggerMessage(5100, LogLevel.Warning, "Peer {Primary} is down ({Reason}): taking over {Count} shadow message(s)")]
    private partial void LogTakeover(string primary, string reason, int count);

    [LoggerMessage(5101, LogLevel.Information, "Peer {Primary} answers heartbeats again")]
    private partial void LogPeerBack(string primary);

    [LoggerMessage(5102, LogLevel.Warning, "{QueueId}: shadow of {Primary} auto-discarded after ShadowMessageAutoDiscardInterval without a discard notice")]
    private partial void LogAutoDiscarded(string queueId, string primary);
}
