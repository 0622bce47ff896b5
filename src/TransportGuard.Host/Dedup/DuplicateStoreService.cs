using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace TransportGuard.Dedup;

/// <summary>
/// Owns the node's duplicate store (docs/dedup.md): opened when the node starts, before the queue's first delivery
/// asks it, and closed at the end. A store that cannot answer never costs mail: its callers get "nothing known" and
/// deliver (at least once), and the failure is logged.
/// </summary>
internal sealed partial class DuplicateStoreService(Func<CancellationToken, Task<IDuplicateStore?>> open, DedupMetrics metrics,
    IOptions<DedupOptions> options, TimeProvider time, ILogger<DuplicateStoreService> logger)
    : IHostedService, IAsyncDisposable
{
    /// <summary>Null before the start and after the stop, when turned off (Dedup:Enabled), or when the local store
    /// cannot be opened: no duplicate detection then.</summary>
    public IDuplicateStore? Store { get; private set; }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            Store = await open(cancellationToken);
            if (Store is not null)
                await WarmUpAsync(Store, cancellationToken);
        }
        catch (DuplicateStoreUnavailableException ex)
        {
            // Mail goes on without duplicate detection (at least once) rather than not at all; an operator must look.
            LogOpenFailed(ex, ex.Message);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask; // deliveries may still finish

    public async ValueTask DisposeAsync()
    {
        var store = Store;
        Store = null;
        if (store is not null)
            await store.DisposeAsync();
    }

    /// <summary>
    /// One lookup and one write before the first delivery, of a key no message has, already all but expired: the
    /// code paths are compiled and the shared store's connection is used once. A cold node's first deliveries took
    /// over a second to reach the shared store on a loaded 2-core machine, long enough for a holder to take them
    /// over and another node to deliver them again (chaos/RESULTS.md).
    /// </summary>
    private async Task WarmUpAsync(IDuplicateStore store, CancellationToken cancellationToken)
    {
        var key = DeliveryKey.Of("warm-up", Guid.NewGuid().ToString("N"), "nobody", "nowhere");
        // Dated so that it expires a minute from now everywhere (the window runs from the delivery).
        var at = time.GetUtcNow() - options.Value.Window + TimeSpan.FromMinutes(1);
        try
        {
            await store.FindAsync([key], cancellationToken);
            await store.RecordAsync([KeyValuePair.Create(key, new DeliveredEntry("warm-up", "warm-up", at))], cancellationToken);
        }
        catch (DuplicateStoreUnavailableException)
        {
            // Not answering yet: the first deliveries find out, and fall back, as they would anyway.
        }
    }

    /// <summary>The store's answer, or "nothing known" for every key when it has none to give.</summary>
    public async Task<IReadOnlyList<DeliveredEntry?>> FindOrNoneAsync(IDuplicateStore store, IReadOnlyList<DeliveryKey> keys, string queueId,
        CancellationToken cancellationToken)
    {
        if (keys.Count == 0)
            return [];
        try
        {
            return await store.FindAsync(keys, cancellationToken);
        }
        catch (Exception ex) when (ex is DuplicateStoreUnavailableException or OperationCanceledException or ObjectDisposedException)
        {
            LogFindFailed(queueId, ex.Message);
            return new DeliveredEntry?[keys.Count];
        }
    }

    /// <summary>Writes the entries; a store that cannot take them is logged (the delivery stands, it may be repeated).</summary>
    public async Task RecordOrLogAsync(IDuplicateStore store, IReadOnlyList<KeyValuePair<DeliveryKey, DeliveredEntry>> entries, string queueId)
    {
        try
        {
            await store.RecordAsync(entries, CancellationToken.None);
            metrics.Recorded(entries.Count);
        }
        catch (Exception ex) when (ex is DuplicateStoreUnavailableException or ObjectDisposedException)
        {
            LogRecordFailed(queueId, entries.Count, ex.Message);
        }
    }

    [LoggerMessage(8005, LogLevel.Critical, "Duplicate detection is off: {Reason}; mail is delivered at least once until the store is repaired (docs/dedup.md)")]
    private partial void LogOpenFailed(Exception exception, string reason);

    [LoggerMessage(8003, LogLevel.Warning, "{QueueId}: the duplicate store did not answer ({Reason}); going on as if nothing was delivered before")]
    private partial void LogFindFailed(string queueId, string reason);

    [LoggerMessage(8004, LogLevel.Error, "{QueueId}: {Count} delivery record(s) not written to the duplicate store ({Reason}); a later copy may be delivered again")]
    private partial void LogRecordFailed(string queueId, int count, string reason);
}
