using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TransportGuard.Delivery.Clusters;
using TransportGuard.Spool;

namespace TransportGuard.SafetyNet;

/// <summary>
/// When a mailbox cluster route moves to a standby, resubmits what this node delivered on that route in
/// <c>[last good contact − replay, the move]</c> to the new active (docs/safetynet.md, Mailbox clusters), except what
/// already went to the new active. A second look a few seconds later takes deliveries whose next hop's 250 had come
/// but whose record had not been written at the first: a (message, recipient) is not taken twice, but another
/// recipient of a message the first look took is (a retry under way to the old active at the move). A failover is
/// marked done in `DATA/safetynet/failovers-done.json` once both looks ran; at start, a route's last failover not
/// marked done (a crash or stop cut it short) is resubmitted again, and duplicate detection drops what had gone
/// already.
/// </summary>
internal sealed partial class FailoverResubmitter(MailboxClusters clusters, Resubmitter resubmitter, IOptions<SafetyNetOptions> options,
    IOptions<SpoolOptions> spool, TimeProvider time, ILogger<FailoverResubmitter> logger) : IHostedService, IDisposable
{
    private const int DoneKept = 100;
    private readonly string _doneFile = Path.Combine(spool.Value.DataDirectory, "safetynet", "failovers-done.json");
    private readonly Lock _doneLock = new();

    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<Task, bool> _running = new();

    public Task StartAsync(CancellationToken cancellationToken)
    {
        clusters.FailedOver += OnFailedOver;
        var done = Done();
        foreach (var route in clusters.Snapshot())
            if (route.LastFailover is { } unfinished && !done.Contains(Key(unfinished)))
            {
                LogCatchingUp(unfinished.Route, unfinished.At);
                OnFailedOver(unfinished);
            }
        return Task.CompletedTask;
    }

    public void Dispose() => _stopping.Dispose();

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        clusters.FailedOver -= OnFailedOver;
        await _stopping.CancelAsync();
        await Task.WhenAll(_running.Keys).WaitAsync(cancellationToken).ContinueWith(_ => { }, TaskScheduler.Default);
    }

    private void OnFailedOver(ClusterFailover failover)
    {
        var task = Task.Run(() => ResubmitAsync(failover, _stopping.Token));
        _running[task] = true;
        task.ContinueWith(t => _running.TryRemove(t, out _), TaskScheduler.Default);
    }

    /// <summary>Both looks; public for tests that await them.</summary>
    public async Task ResubmitAsync(ClusterFailover failover, CancellationToken cancellationToken)
    {
        if (!options.Value.Enabled)
        {
            LogNoSafetyNet(failover.Route, failover.From.ToString(), failover.To.ToString());
            return;
        }
        var taken = new ConcurrentDictionary<string, bool>(StringComparer.Ordinal);
        try
        {
            var first = await resubmitter.RunAsync(Filter(failover, failover.At), null, false, ResubmitTrigger.Failover, cancellationToken, taken);
            LogResubmitted(failover.Route, failover.From.ToString(), failover.To.ToString(), failover.WindowStart, failover.At, first.RequestId, first.Resubmitted);
            // Past any delivery that was between its 250 and its record at the first look (SafetyNet:FailoverSecondLook).
            await Task.Delay(options.Value.FailoverSecondLook, time, cancellationToken);
            var second = await resubmitter.RunAsync(Filter(failover, time.GetUtcNow()), null, false, ResubmitTrigger.Failover, cancellationToken, taken);
            if (second.Resubmitted > 0)
                LogResubmitted(failover.Route, failover.From.ToString(), failover.To.ToString(), failover.WindowStart, failover.At, second.RequestId, second.Resubmitted);
            MarkDone(failover);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            LogStopped(failover.Route);
        }
    }

    private static string Key(ClusterFailover failover) => $"{failover.Route}|{failover.At.ToUnixTimeMilliseconds()}";

    private List<string> Done()
    {
        try
        {
            return File.Exists(_doneFile) ? JsonSerializer.Deserialize<List<string>>(File.ReadAllBytes(_doneFile)) ?? [] : [];
        }
        catch (JsonException)
        {
            return []; // unreadable: resubmitting a last failover again costs nothing that duplicate detection does not drop
        }
    }

    private void MarkDone(ClusterFailover failover)
    {
        lock (_doneLock)
        {
            var done = Done();
            done.Add(Key(failover));
            DurableFile.Write(_doneFile, JsonSerializer.SerializeToUtf8Bytes(done.TakeLast(DoneKept).ToList()));
        }
    }

    private static ResubmitFilter Filter(ClusterFailover failover, DateTimeOffset end) =>
        new(failover.WindowStart, end, Destination: failover.Route, ExceptDestination: failover.To.ToString());

    [LoggerMessage(9220, LogLevel.Warning, "Route {Route} moved from {From} to {To}: the Safety Net resubmitted what it delivered there from {Start:O} to {End:O} ({RequestId}: {Messages} message(s))")]
    private partial void LogResubmitted(string route, string from, string to, DateTimeOffset start, DateTimeOffset end, string requestId, int messages);

    [LoggerMessage(9221, LogLevel.Error, "Route {Route} moved from {From} to {To}, and the Safety Net is off: what the old active lost is not resubmitted")]
    private partial void LogNoSafetyNet(string route, string from, string to);

    [LoggerMessage(9223, LogLevel.Warning, "Route {Route}: its failover at {At:O} was not resubmitted to the end before the restart; resubmitting it now")]
    private partial void LogCatchingUp(string route, DateTimeOffset at);

    [LoggerMessage(9222, LogLevel.Warning, "Route {Route}: the failover resubmit was cut short by the stop")]
    private partial void LogStopped(string route);
}
