using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using TransportGuard.Dedup;
using TransportGuard.Telemetry;
using TransportGuard.Tests.Support;
using static TransportGuard.Tests.Dedup.RedisDuplicateStoreTests;

namespace TransportGuard.Tests.Dedup;

/// <summary>The local store and the shared one together: a real Redis as the shared store (started, stopped and started
/// again by the test), and an in-memory stand-in for the local store, which is tested on its own.</summary>
public sealed class LocalAndSharedDuplicateStoreTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Lookups_take_the_union_with_the_local_entry_first_and_records_go_to_both()
    {
        await using var server = await RedisServer.StartAsync(RedisKind.Redis);
        await using var setup = await Setup.StartAsync(server.Configuration);
        var (both, sharedOnly, nowhere, recorded) = (Key("both"), Key("shared only"), Key("nowhere"), Key("recorded"));
        var (local, remote) = (Entry("LOCAL"), Entry("REMOTE", "node-b"));
        await setup.Local.RecordAsync([Pair(both, local)], Token);
        await setup.Direct.RecordAsync([Pair(both, remote), Pair(sharedOnly, remote)], Token);

        Assert.Equal([local, remote, null], await setup.Store.FindAsync([both, sharedOnly, nowhere], Token));

        var entry = Entry("NEW");
        await setup.Store.RecordAsync([Pair(recorded, entry)], Token);
        Assert.Equal(entry, (await setup.Local.FindAsync([recorded], Token))[0]);
        Assert.Equal(entry, (await setup.Direct.FindAsync([recorded], Token))[0]);
        Assert.True(setup.Store.SharedUp);
        Assert.Equal(0, await setup.MetricAsync("transportguard_dedup_shared_fallbacks_total"));
        Assert.Equal(1, await setup.MetricAsync("transportguard_dedup_shared_up"));
    }

    [Fact]
    public async Task With_the_shared_store_down_the_local_store_answers_alone_counted_and_logged_once()
    {
        await using var server = await RedisServer.StartAsync(RedisKind.Redis);
        await using var setup = await Setup.StartAsync(server.Configuration);
        var before = Key("before");
        await setup.Store.RecordAsync([Pair(before, Entry("BEFORE"))], Token);

        await server.StopAsync();
        var elapsed = Stopwatch.StartNew();
        var found = await setup.Store.FindAsync([before, Key("unknown")], Token);
        for (var i = 0; i < 5; i++)
            await setup.Store.RecordAsync([Pair(Key($"during {i}"), Entry($"DURING{i}"))], Token);
        await setup.Store.FindAsync([before], Token);

        Assert.Equal("BEFORE", found[0]?.QueueId);
        Assert.Null(found[1]);
        Assert.InRange(elapsed.Elapsed, TimeSpan.Zero, 7 * setup.Options.SharedTimeout + Margin); // never stuck
        for (var i = 0; i < 5; i++)
            Assert.Equal($"DURING{i}", (await setup.Local.FindAsync([Key($"during {i}")], Token))[0]?.QueueId);
        Assert.False(setup.Store.SharedUp);
        Assert.Equal(7, await setup.MetricAsync("transportguard_dedup_shared_fallbacks_total"));
        Assert.Equal(0, await setup.MetricAsync("transportguard_dedup_shared_up"));
        Assert.Equal(5, await setup.MetricAsync("transportguard_dedup_resync_pending"));
        Assert.Equal(0, await setup.MetricAsync("transportguard_dedup_resync_dropped_total"));
        // The resync loop keeps asking meanwhile; still one line for the outage.
        await Task.Delay(LocalAndSharedDuplicateStore.ResyncInterval * 2.5, Token);
        Assert.Single(setup.Log.Events, e => e.Id == 8201);
        Assert.DoesNotContain(setup.Log.Events, e => e.Id == 8202);
    }

    [Theory]
    [MemberData(nameof(BothServers), MemberType = typeof(RedisDuplicateStoreTests))]
    public async Task When_the_shared_store_is_back_the_resync_pushes_what_was_recorded_meanwhile(RedisKind kind)
    {
        await using var server = await RedisServer.StartAsync(kind);
        await using var setup = await Setup.StartAsync(server.Configuration);
        await server.StopAsync();
        var during = Enumerable.Range(0, 25).Select(i => Pair(Key($"during {i}"), Entry($"DURING{i}"))).ToList();
        foreach (var batch in during.Chunk(5))
            await setup.Store.RecordAsync(batch, Token);
        Assert.Equal(25, setup.Store.ResyncPending);

        await server.StartAgainAsync(); // the same port, empty
        await Eventually.UntilAsync(() => setup.Store.ResyncPending == 0, TimeSpan.FromSeconds(30),
            () => $"{setup.Store.ResyncPending} entries still to resync", 100);

        Assert.Equal(during.Select(p => p.Value), await setup.Direct.FindAsync([.. during.Select(p => p.Key)], Token));
        Assert.True(setup.Store.SharedUp);
        Assert.Equal(1, await setup.MetricAsync("transportguard_dedup_shared_up"));
        Assert.Equal(0, await setup.MetricAsync("transportguard_dedup_resync_pending"));
        Assert.Single(setup.Log.Events, e => e.Id == 8201);
        Assert.Single(setup.Log.Events, e => e.Id == 8202);
        Assert.Contains(setup.Log.Events, e => e.Id == 8203);
        // And the path uses the shared store again.
        var after = Key("after");
        await setup.Store.RecordAsync([Pair(after, Entry("AFTER"))], Token);
        Assert.Equal("AFTER", (await setup.Direct.FindAsync([after], Token))[0]?.QueueId);
    }

    [Fact]
    public async Task Past_its_capacity_the_resync_drops_the_oldest_and_counts_them()
    {
        var port = PostfixInstance.FreePort(); // nothing listens there yet
        await using var setup = await Setup.StartAsync($"127.0.0.1:{port}", resyncCapacity: 3);
        var entries = Enumerable.Range(0, 5).Select(i => Pair(Key($"entry {i}"), Entry($"ENTRY{i}"))).ToList();
        foreach (var entry in entries)
            await setup.Store.RecordAsync([entry], Token);

        Assert.Equal(3, setup.Store.ResyncPending);
        Assert.Equal(2, await setup.MetricAsync("transportguard_dedup_resync_dropped_total"));
        Assert.Equal(5, await setup.MetricAsync("transportguard_dedup_shared_fallbacks_total"));
        Assert.Single(setup.Log.Events, e => e.Id == 8204);
        // Dropped from the resync only: the local store has every one.
        Assert.DoesNotContain(null, await setup.Local.FindAsync([.. entries.Select(e => e.Key)], Token));

        await using var server = await RedisServer.StartAsync(RedisKind.Redis, port);
        await Eventually.UntilAsync(() => setup.Store.ResyncPending == 0, TimeSpan.FromSeconds(30),
            () => $"{setup.Store.ResyncPending} entries still to resync", 100);
        var shared = await setup.Direct.FindAsync([.. entries.Select(e => e.Key)], Token);
        Assert.Equal([null, null, .. entries.Skip(2).Select(e => e.Value)], shared);
    }

    [Fact]
    public async Task A_store_started_while_the_shared_one_is_down_says_so_once_and_reports_it_down()
    {
        var port = PostfixInstance.FreePort();
        await using var setup = await Setup.StartAsync($"127.0.0.1:{port}");
        // Nothing asked on the path: the resync loop finds out by itself.
        await Eventually.UntilAsync(() => setup.Log.Events.Any(e => e.Id == 8201), TimeSpan.FromSeconds(10), () => "no outage logged");
        Assert.Equal(0, await setup.MetricAsync("transportguard_dedup_shared_up"));
        Assert.Equal(0, await setup.MetricAsync("transportguard_dedup_shared_fallbacks_total"));

        await using var server = await RedisServer.StartAsync(RedisKind.Redis, port);
        await Eventually.UntilAsync(() => setup.Store.SharedUp, TimeSpan.FromSeconds(30), () => "the shared store was not seen back", 100);
        Assert.Single(setup.Log.Events, e => e.Id == 8201);
        Assert.Single(setup.Log.Events, e => e.Id == 8202);
    }

    /// <summary>The store under test over an in-memory local store and a real shared one, with a second connection
    /// straight to the shared server to see what it holds.</summary>
    private sealed class Setup : IAsyncDisposable
    {
        private readonly MetricsRegistry _metrics;

        private Setup(DedupOptions options, MetricsRegistry metrics, InMemoryStore local, RedisDuplicateStore direct, LocalAndSharedDuplicateStore store, RecordingLogger<LocalAndSharedDuplicateStore> log)
        {
            Options = options;
            _metrics = metrics;
            Local = local;
            Direct = direct;
            Store = store;
            Log = log;
        }

        public DedupOptions Options { get; }
        public InMemoryStore Local { get; }
        public RedisDuplicateStore Direct { get; }
        public LocalAndSharedDuplicateStore Store { get; }
        public RecordingLogger<LocalAndSharedDuplicateStore> Log { get; }

        public static async Task<Setup> StartAsync(string redis, int resyncCapacity = 100_000)
        {
            var options = Options(redis);
            options.ResyncCapacity = resyncCapacity;
            var metrics = new MetricsRegistry();
            var local = new InMemoryStore();
            var shared = await RedisDuplicateStore.ConnectAsync(options, TimeProvider.System);
            var direct = await RedisDuplicateStore.ConnectAsync(options, TimeProvider.System);
            var log = new RecordingLogger<LocalAndSharedDuplicateStore>();
            var store = new LocalAndSharedDuplicateStore(local, shared, options, new DedupMetrics(metrics), TimeProvider.System, log);
            return new Setup(options, metrics, local, direct, store, log);
        }

        public async Task<double> MetricAsync(string series)
        {
            using var stream = new MemoryStream();
            await _metrics.ExportAsync(stream, Token);
            return MetricsText.Value(System.Text.Encoding.UTF8.GetString(stream.ToArray()), series);
        }

        public async ValueTask DisposeAsync()
        {
            await Store.DisposeAsync();
            await Direct.DisposeAsync();
        }
    }

    /// <summary>Stands in for the local store (the real one is FASTER on disk, tested on its own): first entry wins.</summary>
    private sealed class InMemoryStore : IDuplicateStore
    {
        private readonly ConcurrentDictionary<DeliveryKey, DeliveredEntry> _entries = new();

        public Task<IReadOnlyList<DeliveredEntry?>> FindAsync(IReadOnlyList<DeliveryKey> keys, CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyList<DeliveredEntry?>>([.. keys.Select(k => _entries.GetValueOrDefault(k))]);

        public Task RecordAsync(IReadOnlyList<KeyValuePair<DeliveryKey, DeliveredEntry>> entries, CancellationToken cancellationToken)
        {
            foreach (var (key, entry) in entries)
                _entries.TryAdd(key, entry);
            return Task.CompletedTask;
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
