using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using TransportGuard.Dedup;
using TransportGuard.Tests.Support;

namespace TransportGuard.Tests.Dedup;

/// <summary>The embedded duplicate store on real files (docs/dedup.md): durability per write, first entry wins,
/// expiry, reclaiming space, recovery from a checkpoint plus the journal.</summary>
public sealed class LocalDuplicateStoreTests(ITestOutputHelper output) : IDisposable
{
    private static readonly DateTimeOffset Start = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);
    private readonly string _directory = Path.Combine(TempDirectory.Create("dedup"), "dedup");
    private readonly FakeTimeProvider _time = new(Start);
    private readonly ILoggerFactory _logs = LoggerFactory.Create(b => b.AddProvider(new TestOutputLoggerProvider(output)).SetMinimumLevel(LogLevel.Debug));
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private Task<LocalDuplicateStore> OpenAsync(string? directory = null, long memory = 64L << 20) =>
        LocalDuplicateStore.OpenAsync(directory ?? _directory, new DedupOptions { Window = TimeSpan.FromDays(7), LocalMemoryBytes = memory },
            _time, _logs.CreateLogger<LocalDuplicateStore>(), Token);

    private static DeliveryKey Key(int i) => DeliveryKey.Of($"<{i}@example.org>", "body", $"rcpt{i}@example.com", "example.com");

    private DeliveredEntry Entry(int i, string node = "node-a") => new(node, $"Q{i:D14}", _time.GetUtcNow());

    private static KeyValuePair<DeliveryKey, DeliveredEntry> Pair(DeliveryKey key, DeliveredEntry entry) => new(key, entry);

    [Fact]
    public async Task A_recorded_delivery_is_found_and_an_unknown_key_is_not()
    {
        await using var store = await OpenAsync();
        await store.RecordAsync([Pair(Key(1), Entry(1)), Pair(Key(2), Entry(2))], Token);

        var found = await store.FindAsync([Key(2), Key(3), Key(1)], Token);
        Assert.Equal([Entry(2), null, Entry(1)], found);
    }

    [Fact]
    public async Task The_first_entry_of_a_key_wins_across_calls_and_within_one()
    {
        await using var store = await OpenAsync();
        await store.RecordAsync([Pair(Key(1), Entry(1, "first"))], Token);
        await store.RecordAsync([Pair(Key(1), Entry(1, "second")), Pair(Key(2), Entry(2, "first")), Pair(Key(2), Entry(2, "second"))], Token);

        Assert.Equal([Entry(1, "first"), Entry(2, "first")], await store.FindAsync([Key(1), Key(2)], Token));
    }

    [Fact]
    public async Task A_long_node_name_is_cut_at_a_character_boundary_and_the_rest_kept()
    {
        await using var store = await OpenAsync();
        var node = "relay-" + new string('é', 80); // 166 bytes of UTF-8: more than a stored entry holds
        await store.RecordAsync([Pair(Key(1), new DeliveredEntry(node, "Q1", Start))], Token);

        var found = Assert.Single(await store.FindAsync([Key(1)], Token))!;
        Assert.StartsWith(found.Node, node, StringComparison.Ordinal);
        Assert.True(found.Node.Length > 50 && found.QueueId.Length == 0, found.ToString());
        Assert.Equal(Start, found.At);
    }

    [Fact]
    public async Task Entries_survive_closing_and_reopening()
    {
        await using (var store = await OpenAsync())
            await store.RecordAsync([.. Enumerable.Range(0, 100).Select(i => Pair(Key(i), Entry(i)))], Token);
        for (var round = 0; round < 2; round++)
        {
            await using var reopened = await OpenAsync();
            Assert.Equal(Enumerable.Range(0, 100).Select(i => Entry(i)), await reopened.FindAsync([.. Enumerable.Range(0, 100).Select(Key)], Token));
        }
    }

    [Fact]
    public async Task An_entry_older_than_the_window_reads_as_absent_and_a_new_delivery_replaces_it()
    {
        await using var store = await OpenAsync();
        var original = Entry(1);
        await store.RecordAsync([Pair(Key(1), original)], Token);

        _time.Advance(TimeSpan.FromDays(7) - TimeSpan.FromMinutes(1));
        Assert.Equal([original], await store.FindAsync([Key(1)], Token));
        _time.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal([null], await store.FindAsync([Key(1)], Token));

        var redelivered = Entry(1, "node-b");
        await store.RecordAsync([Pair(Key(1), redelivered)], Token);
        Assert.Equal([redelivered], await store.FindAsync([Key(1)], Token));
    }

    [Fact]
    public async Task Maintenance_drops_expired_entries_frees_their_disk_and_keeps_the_live_ones()
    {
        const int Old = 60_000, Live = 100;
        long before, expiredEnd;
        await using (var store = await OpenAsync(memory: 1L << 20))
        {
            await RecordManyAsync(store, 0, Old);
            expiredEnd = store.LogTailAddress;
            _time.Advance(TimeSpan.FromDays(2));
            await store.RecordAsync([.. Enumerable.Range(Old, Live).Select(i => Pair(Key(i), Entry(i)))], Token);
            await store.MaintainAsync();
            before = DirectorySize(store.LogDirectory);

            _time.Advance(TimeSpan.FromDays(6)); // the first ones are 8 days old, the next 6
            await store.RecordAsync([.. Enumerable.Range(Old + Live, Live).Select(i => Pair(Key(i), Entry(i)))], Token);
            await store.MaintainAsync();

            Assert.True(store.LogBeginAddress >= expiredEnd, $"begin {store.LogBeginAddress} is past the expired entries (which end at {expiredEnd})");
            // FASTER deletes the segments before the new begin in the background, once the checkpoint is written.
            await Eventually.UntilAsync(() => DirectorySize(store.LogDirectory) < before / 4, TimeSpan.FromSeconds(10),
                () => $"{DirectorySize(store.LogDirectory)} bytes of the log left of {before}");
            output.WriteLine($"log: {before} bytes before, {DirectorySize(store.LogDirectory)} after; begin {store.LogBeginAddress}, expired up to {expiredEnd}");
            await AssertExpiredAndLiveAsync(store);
        }
        await using var reopened = await OpenAsync(memory: 1L << 20);
        await AssertExpiredAndLiveAsync(reopened);

        async Task AssertExpiredAndLiveAsync(LocalDuplicateStore store)
        {
            Assert.All(await store.FindAsync([.. Enumerable.Range(0, 100).Select(Key)], Token), Assert.Null);
            Assert.All(await store.FindAsync([.. Enumerable.Range(Old, 2 * Live).Select(Key)], Token), Assert.NotNull);
        }
    }

    [Fact]
    public async Task A_live_entry_among_expired_ones_is_copied_forward_and_kept()
    {
        await using var store = await OpenAsync(memory: 1L << 20);
        await RecordManyAsync(store, 0, 10_000);
        var straggler = new DeliveredEntry("node-b", "QSTRAGGLER", Start + TimeSpan.FromDays(5)); // a clock ahead
        await store.RecordAsync([Pair(Key(-1), straggler)], Token);
        await RecordManyAsync(store, 10_000, 20_000);
        var expiredEnd = store.LogTailAddress;

        _time.Advance(TimeSpan.FromDays(8));
        await store.MaintainAsync();

        Assert.True(store.LogBeginAddress >= expiredEnd, $"begin {store.LogBeginAddress}, expired up to {expiredEnd}");
        Assert.Equal([straggler, null], await store.FindAsync([Key(-1), Key(15_000)], Token));
    }

    [Fact]
    public async Task Many_more_entries_than_fit_in_memory_are_all_found_after_reopening()
    {
        const int Count = 200_000;
        var watch = Stopwatch.StartNew();
        await using (var store = await OpenAsync(memory: 4L << 20))
        {
            await RecordManyAsync(store, 0, Count / 2);
            await store.MaintainAsync(); // a checkpoint with half of them on disk already
            await RecordManyAsync(store, Count / 2, Count);
            Assert.True(store.LogTailAddress > 4L << 20 << 2, "most entries are on disk");
        }
        output.WriteLine($"recorded {Count} in {watch.ElapsedMilliseconds} ms");
        watch.Restart();
        await using (var reopened = await OpenAsync(memory: 4L << 20))
        {
            output.WriteLine($"reopened in {watch.ElapsedMilliseconds} ms");
            await AssertAllFoundAsync(reopened, Count);
        }
        output.WriteLine($"found all in {watch.ElapsedMilliseconds} ms");
    }

    /// <summary>A crash as the files are left at an arbitrary moment: the store is not closed (no last checkpoint,
    /// nothing flushed beyond what was acknowledged), its directory is copied while it is open, and the copy must
    /// hold every acknowledged entry, whether it comes from a checkpoint or only from the journal.</summary>
    [Fact]
    public async Task Every_acknowledged_entry_is_in_a_copy_of_the_files_taken_while_the_store_is_open()
    {
        const int Writers = 20, PerWriter = 150;
        var store = await OpenAsync(memory: 1L << 20);
        try
        {
            await Parallel.ForEachAsync(Enumerable.Range(0, Writers), Token, async (writer, _) =>
            {
                for (var i = writer * PerWriter; i < (writer + 1) * PerWriter; i++)
                {
                    await store.RecordAsync([Pair(Key(i), Entry(i))], Token);
                    if (writer == 0 && i == PerWriter / 2)
                        await store.MaintainAsync(); // a checkpoint mid-way: recovery uses it and replays after it
                }
            });
            var copy = Path.Combine(TempDirectory.Create("dedup-copy"), "dedup");
            CopyDirectory(_directory, copy);

            await using (var recovered = await OpenAsync(copy, memory: 1L << 20))
                await AssertAllFoundAsync(recovered, Writers * PerWriter);
            TempDirectory.Delete(Path.GetDirectoryName(copy)!);
        }
        finally
        {
            await store.DisposeAsync();
        }
    }

    /// <summary>A real full disk (a small tmpfs): recording fails as unavailable, never hangs and never acknowledges what
    /// is not durable; once there is space again, a reopened store has every acknowledged entry.</summary>
    [Fact]
    public async Task A_full_disk_makes_recording_unavailable_and_loses_nothing_acknowledged()
    {
        using var disk = Tmpfs.Mount(24);
        var ballast = disk.Ballast(20);
        var directory = Path.Combine(disk.Path, "dedup");
        var timeout = LocalDuplicateStore.IoTimeout;
        LocalDuplicateStore.IoTimeout = TimeSpan.FromSeconds(2);
        try
        {
            var acknowledged = 0;
            DuplicateStoreUnavailableException? refused = null;
            await using (var store = await OpenAsync(directory, memory: 1L << 20))
            {
                while (refused is null && acknowledged < 200_000)
                {
                    refused = await Record.ExceptionAsync(() => RecordManyAsync(store, acknowledged, acknowledged + 1000)) as DuplicateStoreUnavailableException;
                    if (refused is null)
                        acknowledged += 1000;
                }
                Assert.NotNull(refused);
                await Assert.ThrowsAsync<DuplicateStoreUnavailableException>(() => store.RecordAsync([Pair(Key(-1), Entry(-1))], Token));
            }
            output.WriteLine($"{acknowledged} acknowledged before the disk was full: {refused.InnerException?.Message}");

            File.Delete(ballast);
            await using var reopened = await OpenAsync(directory, memory: 1L << 20);
            await AssertAllFoundAsync(reopened, acknowledged);
        }
        finally
        {
            LocalDuplicateStore.IoTimeout = timeout;
        }
    }

    [Fact]
    public async Task Concurrent_writers_share_commits_and_each_entry_is_found()
    {
        const int Writers = 50, PerWriter = 40;
        await using var store = await OpenAsync();
        var latencies = new List<double>();
        var watch = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(0, Writers), new ParallelOptions { MaxDegreeOfParallelism = Writers, CancellationToken = Token }, async (writer, _) =>
        {
            for (var i = writer * PerWriter; i < (writer + 1) * PerWriter; i++)
            {
                var started = Stopwatch.GetTimestamp();
                await store.RecordAsync([Pair(Key(i), Entry(i))], Token);
                lock (latencies)
                    latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
        });
        latencies.Sort();
        output.WriteLine($"{latencies.Count} records by {Writers} writers in {watch.ElapsedMilliseconds} ms; latency p50 {latencies[latencies.Count / 2]:F2} ms, p99 {latencies[latencies.Count * 99 / 100]:F2} ms");
        await AssertAllFoundAsync(store, Writers * PerWriter);
    }

    private async Task RecordManyAsync(LocalDuplicateStore store, int from, int to) =>
        await Parallel.ForEachAsync(Enumerable.Range(0, (to - from + 499) / 500), Token, async (batch, _) =>
        {
            var start = from + batch * 500;
            await store.RecordAsync([.. Enumerable.Range(start, Math.Min(500, to - start)).Select(i => Pair(Key(i), Entry(i)))], Token);
        });

    private static async Task AssertAllFoundAsync(LocalDuplicateStore store, int count)
    {
        for (var start = 0; start < count; start += 1000)
        {
            var keys = Enumerable.Range(start, Math.Min(1000, count - start)).ToList();
            var found = await store.FindAsync([.. keys.Select(Key)], Token);
            for (var i = 0; i < keys.Count; i++)
                Assert.True(found[i] is { } entry && entry.QueueId == $"Q{keys[i]:D14}", $"entry {keys[i]} was lost");
        }
    }

    private static long DirectorySize(string directory) =>
        new DirectoryInfo(directory).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length);

    private static void CopyDirectory(string from, string to)
    {
        foreach (var directory in Directory.EnumerateDirectories(from, "*", SearchOption.AllDirectories))
            Directory.CreateDirectory(Path.Combine(to, Path.GetRelativePath(from, directory)));
        Directory.CreateDirectory(to);
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
            File.Copy(file, Path.Combine(to, Path.GetRelativePath(from, file)));
    }

    public void Dispose()
    {
        _logs.Dispose();
        TempDirectory.Delete(Path.GetDirectoryName(_directory)!);
    }
}
