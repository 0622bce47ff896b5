using System.Diagnostics;
using System.Globalization;
using TransportGuard.Dedup;
using TransportGuard.Tests.Support;

namespace TransportGuard.Tests.Dedup;

/// <summary>The shared duplicate store against real servers (Redis and Garnet) that each test starts on a free
/// loopback port, and against a port where nothing listens.</summary>
public sealed class RedisDuplicateStoreTests
{
    /// <summary>What a failing call may take beyond SharedTimeout on a loaded 2-core machine running the suite in parallel.</summary>
    internal static readonly TimeSpan Margin = TimeSpan.FromSeconds(4);

    internal static DedupOptions Options(string redis, TimeSpan? window = null, TimeSpan? timeout = null) => new()
    {
        Redis = redis,
        Window = window ?? TimeSpan.FromDays(7),
        SharedTimeout = timeout ?? TimeSpan.FromSeconds(2), // generous: these tests are not about timeouts, and CI is loaded
    };

    internal static DeliveryKey Key(string name) => DeliveryKey.Of($"<{name}@example.org>", "body", "rcpt@example.com", "example.com");

    internal static DeliveredEntry Entry(string queueId, string node = "node-a") =>
        new(node, queueId, DateTimeOffset.FromUnixTimeMilliseconds(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()));

    internal static KeyValuePair<DeliveryKey, DeliveredEntry> Pair(DeliveryKey key, DeliveredEntry entry) => new(key, entry);

    /// <summary>The servers the shared store runs against: Debian's Redis and Garnet.</summary>
    public static readonly TheoryData<RedisKind> BothServers = new(RedisKind.Redis, RedisKind.Garnet);

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    /// <summary>A server of the given kind and the store connected to it.</summary>
    private sealed class Connected(RedisServer server, RedisDuplicateStore store) : IAsyncDisposable
    {
        public RedisServer Server => server;
        public RedisDuplicateStore Store => store;

        public static async Task<Connected> StartAsync(RedisKind kind, TimeSpan? window = null, TimeSpan? timeout = null)
        {
            var server = await RedisServer.StartAsync(kind);
            return new Connected(server, await RedisDuplicateStore.ConnectAsync(Options(server.Configuration, window, timeout), TimeProvider.System));
        }

        public async ValueTask DisposeAsync()
        {
            await store.DisposeAsync();
            await server.DisposeAsync();
        }
    }

    [Theory]
    [MemberData(nameof(BothServers))]
    public async Task Recorded_entries_are_found_in_the_keys_order(RedisKind kind)
    {
        await using var connected = await Connected.StartAsync(kind);
        var (server, store) = (connected.Server, connected.Store);
        Assert.True(store.IsConnected);
        var (a, b, missing) = (Key("a"), Key("b"), Key("missing"));
        var (entryA, entryB) = (Entry("4Q1A"), Entry("4Q1B", "node-b"));

        await store.RecordAsync([Pair(a, entryA), Pair(b, entryB)], Token);

        Assert.Equal([entryB, null, entryA], await store.FindAsync([b, missing, a], Token));
        Assert.Empty(await store.FindAsync([], Token));
        // The wire format other nodes (and operators with redis-cli) read.
        Assert.Equal(entryA.ToWire(), await server.CommandAsync("GET", $"tg:dedup:{a}"));
    }

    [Theory]
    [MemberData(nameof(BothServers))]
    public async Task The_first_entry_for_a_key_wins(RedisKind kind)
    {
        await using var connected = await Connected.StartAsync(kind);
        var store = connected.Store;
        var (across, within) = (Key("across calls"), Key("within a call"));
        var original = Entry("ORIGINAL");

        await store.RecordAsync([Pair(across, original)], Token);
        await store.RecordAsync([Pair(across, Entry("LATER", "node-b"))], Token);
        await store.RecordAsync([Pair(within, original), Pair(within, Entry("SAME CALL", "node-b"))], Token);

        Assert.Equal([original, original], await store.FindAsync([across, within], Token));
    }

    [Theory]
    [MemberData(nameof(BothServers))]
    public async Task An_entry_expires_a_window_after_its_delivery(RedisKind kind)
    {
        var window = TimeSpan.FromSeconds(1.5);
        await using var connected = await Connected.StartAsync(kind, window);
        var (server, store) = (connected.Server, connected.Store);
        var (fresh, old) = (Key("fresh"), Key("delivered long ago"));
        var recorded = Stopwatch.StartNew();

        await store.RecordAsync([Pair(fresh, Entry("FRESH")), Pair(old, new DeliveredEntry("node-a", "OLD", DateTimeOffset.UtcNow - window - window))], Token);

        Assert.NotNull((await store.FindAsync([fresh], Token))[0]);
        var ttl = long.Parse((await server.CommandAsync("PTTL", $"tg:dedup:{fresh}"))![1..], CultureInfo.InvariantCulture);
        Assert.InRange(ttl, 1, 1500);
        // One already past its window is not written at all.
        Assert.Null(await server.CommandAsync("GET", $"tg:dedup:{old}"));
        await Eventually.UntilAsync(async () => (await store.FindAsync([fresh], Token))[0] is null, TimeSpan.FromSeconds(10),
            () => "the entry did not expire", 50);
        Assert.InRange(recorded.Elapsed, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Nothing_listening_is_unavailable_within_the_shared_timeout()
    {
        var options = Options($"127.0.0.1:{PostfixInstance.FreePort()}", timeout: TimeSpan.FromMilliseconds(300));
        var elapsed = Stopwatch.StartNew();
        // The node starts all the same: no exception, within the connect timeout.
        await using var store = await RedisDuplicateStore.ConnectAsync(options, TimeProvider.System);
        Assert.InRange(elapsed.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(1) + Margin);
        Assert.False(store.IsConnected);

        elapsed.Restart();
        var find = await Assert.ThrowsAsync<DuplicateStoreUnavailableException>(() => store.FindAsync([Key("a")], Token));
        Assert.InRange(elapsed.Elapsed, TimeSpan.Zero, options.SharedTimeout + Margin);
        elapsed.Restart();
        await Assert.ThrowsAsync<DuplicateStoreUnavailableException>(() => store.RecordAsync([Pair(Key("a"), Entry("Q"))], Token));
        Assert.InRange(elapsed.Elapsed, TimeSpan.Zero, options.SharedTimeout + Margin);
        Assert.Contains(options.Redis!, find.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(BothServers))]
    public async Task A_connected_server_that_stops_answering_is_unavailable_within_the_shared_timeout(RedisKind kind)
    {
        var timeout = TimeSpan.FromMilliseconds(300);
        await using var connected = await Connected.StartAsync(kind, timeout: timeout);
        var (server, store) = (connected.Server, connected.Store);
        var key = Key("a");
        await store.RecordAsync([Pair(key, Entry("Q"))], Token);

        await server.PauseAsync();
        try
        {
            // Connected, so nothing fails fast: the bound is the store's own.
            var elapsed = Stopwatch.StartNew();
            await Assert.ThrowsAsync<DuplicateStoreUnavailableException>(() => store.FindAsync([key], Token));
            Assert.InRange(elapsed.Elapsed, timeout - TimeSpan.FromMilliseconds(50), timeout + Margin);
            elapsed.Restart();
            await Assert.ThrowsAsync<DuplicateStoreUnavailableException>(() => store.RecordAsync([Pair(Key("b"), Entry("R"))], Token));
            Assert.InRange(elapsed.Elapsed, timeout - TimeSpan.FromMilliseconds(50), timeout + Margin);
        }
        finally
        {
            await server.ResumeAsync();
        }

        // Answers again once the server does (the multiplexer may first drop and remake the connection).
        await Eventually.UntilAsync(async () =>
        {
            try
            {
                return (await store.FindAsync([key], Token))[0] is not null;
            }
            catch (DuplicateStoreUnavailableException)
            {
                return false;
            }
        }, TimeSpan.FromSeconds(20), () => "the store did not answer again after the server resumed", 100);
    }
}
