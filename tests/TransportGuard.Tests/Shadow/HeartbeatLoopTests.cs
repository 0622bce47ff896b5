using Microsoft.Extensions.Time.Testing;
using TransportGuard.Shadow;
using TransportGuard.Tests.Support;

namespace TransportGuard.Tests.Shadow;

/// <summary>The heartbeat rules on a virtual clock (docs/architecture.md, Conventions 6): three failures at 300 ms mean takeover, not
/// two; a success resets the count; a changed incarnation is a takeover at once; a batch is acknowledged only once
/// its discards are durable.</summary>
public sealed class HeartbeatLoopTests
{
    private sealed class Transport : IHeartbeatTransport
    {
        public Func<long, DiscardReply>? Answer { get; set; }
        public List<long> Acks { get; } = [];

        public Task<DiscardReply> QueryAsync(long ack, CancellationToken cancellationToken)
        {
            Acks.Add(ack);
            return Answer is { } answer ? Task.FromResult(answer(ack)) : Task.FromException<DiscardReply>(new IOException("connection refused"));
        }

        public ValueTask ResetAsync() => ValueTask.CompletedTask;
        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    private sealed class Listener : IHeartbeatListener
    {
        public List<string> Takeovers { get; } = [];
        public List<string> Discarded { get; } = [];

        public Task DiscardAsync(string primary, IReadOnlyList<string> primaryQueueIds)
        {
            Discarded.AddRange(primaryQueueIds);
            return Task.CompletedTask;
        }

        public Task TakeOverAsync(string primary, string reason)
        {
            Takeovers.Add(reason);
            return Task.CompletedTask;
        }

        public void Beat(string primary, TimeSpan roundTrip, bool failed) { }
        public void Faulted(string primary, Exception exception) => throw exception;
    }

    private static readonly ShadowOptions Options = new() { ShadowHeartbeatFrequency = TimeSpan.FromMilliseconds(300), ShadowHeartbeatRetryCount = 3 };

    /// <summary>Advances the clock one interval at a time and waits for the loop to finish each beat.</summary>
    private static async Task TickAsync(FakeTimeProvider time, HeartbeatLoop loop, int beats)
    {
        for (var i = 0; i < beats; i++)
        {
            var before = loop.Beats;
            time.Advance(TimeSpan.FromMilliseconds(300));
            await Eventually.UntilAsync(() => loop.Beats != before, TimeSpan.FromSeconds(10), () => "the loop did not beat", pollMilliseconds: 5);
        }
    }

    /// <summary>Runs the real loop on a virtual clock around <paramref name="body"/>, then stops it.</summary>
    private static async Task WithRunningLoopAsync(Func<FakeTimeProvider, Transport, Listener, HeartbeatLoop, Task> body)
    {
        var time = new FakeTimeProvider();
        var (transport, listener) = (new Transport(), new Listener());
        var loop = new HeartbeatLoop("hub1", transport, listener, Options, time);
        using var stop = new CancellationTokenSource();
        var running = loop.RunAsync(stop.Token);
        await body(time, transport, listener, loop);
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running);
    }

    [Fact]
    public Task Three_failed_beats_at_300_ms_take_over_once_and_two_do_not() => WithRunningLoopAsync(async (time, transport, listener, loop) =>
    {
        await TickAsync(time, loop, 2);
        Assert.Equal(2, transport.Acks.Count);
        Assert.Empty(listener.Takeovers);
        await TickAsync(time, loop, 1); // 900 ms after the last good beat
        Assert.Single(listener.Takeovers);
        await TickAsync(time, loop, 5);
        Assert.Single(listener.Takeovers); // declared down once, not on every further failure
    });

    [Fact]
    public Task A_success_in_between_resets_the_count() => WithRunningLoopAsync(async (time, transport, listener, loop) =>
    {
        await TickAsync(time, loop, 2);
        transport.Answer = _ => new DiscardReply("inc-1", 1, []);
        await TickAsync(time, loop, 1);
        transport.Answer = null;
        await TickAsync(time, loop, 2);
        Assert.Empty(listener.Takeovers);
        Assert.Equal(2, loop.ConsecutiveFailures);
    });

    [Fact]
    public async Task A_changed_incarnation_takes_over_at_once()
    {
        var time = new FakeTimeProvider();
        var transport = new Transport { Answer = _ => new DiscardReply("inc-1", 1, []) };
        var listener = new Listener();
        var loop = new HeartbeatLoop("hub1", transport, listener, Options, time);
        await loop.BeatAsync(TestContext.Current.CancellationToken);
        transport.Answer = _ => new DiscardReply("inc-2", 1, []);
        await loop.BeatAsync(TestContext.Current.CancellationToken);
        Assert.Equal("its spool incarnation changed: it lost its queue", Assert.Single(listener.Takeovers));
    }

    [Fact]
    public async Task A_batch_is_acknowledged_on_the_next_query_after_its_discards_and_a_lost_reply_is_asked_again()
    {
        var time = new FakeTimeProvider();
        var transport = new Transport { Answer = ack => new DiscardReply("inc", 7, ["A", "B"]) };
        var listener = new Listener();
        var loop = new HeartbeatLoop("hub1", transport, listener, Options, time);
        await loop.BeatAsync(TestContext.Current.CancellationToken);
        Assert.Equal(["A", "B"], listener.Discarded);

        transport.Answer = null; // the next reply is lost
        await loop.BeatAsync(TestContext.Current.CancellationToken);
        transport.Answer = ack => new DiscardReply("inc", 8, []);
        await loop.BeatAsync(TestContext.Current.CancellationToken);
        Assert.Equal([0, 7, 7], transport.Acks); // the ack of batch 7 is repeated until a reply comes back
        Assert.Empty(listener.Takeovers);
    }
}
