using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using TransportGuard.Delivery;
using TransportGuard.Delivery.Clusters;
using TransportGuard.Delivery.Routing;
using TransportGuard.Spool;
using TransportGuard.Telemetry;
using TransportGuard.Tests.Support;

namespace TransportGuard.Tests.Delivery.Clusters;

/// <summary>Health checks answered by the test: every server passes unless set down, or set to hang until the
/// probe's deadline.</summary>
internal sealed class ScriptedProbe : IServerProbe
{
    private readonly ConcurrentDictionary<HostPort, string> _state = new();
    private int _hanging;

    public void Up(params HostPort[] servers) => Set("up", servers);
    public void Down(params HostPort[] servers) => Set("down", servers);
    public void Hang(params HostPort[] servers) => Set("hang", servers);

    /// <summary>Probes now waiting for their deadline.</summary>
    public int Hanging => Volatile.Read(ref _hanging);

    public async Task<ProbeResult> ProbeAsync(HostPort server, CancellationToken cancellationToken)
    {
        switch (_state.GetValueOrDefault(server, "up"))
        {
            case "down":
                return ProbeResult.Fail($"connect to {server}: Connection refused");
            case "hang":
                Interlocked.Increment(ref _hanging);
                try
                {
                    await Task.Delay(Timeout.Infinite, cancellationToken);
                }
                finally
                {
                    Interlocked.Decrement(ref _hanging);
                }
                break;
        }
        return ProbeResult.Pass;
    }

    private void Set(string state, HostPort[] servers)
    {
        foreach (var server in servers)
            _state[server] = state;
    }
}

/// <summary>Log events by id, and the lines in the test's output.</summary>
internal sealed class RecordingLogger<T>(ITestOutputHelper? output) : ILogger<T>
{
    public ConcurrentQueue<(int Id, string Message)> Events { get; } = new();

    public int Count(int eventId) => Events.Count(e => e.Id == eventId);

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        var message = formatter(state, exception);
        Events.Enqueue((eventId.Id, message));
        try
        {
            output?.WriteLine($"{logLevel} {eventId.Id}: {message}{(exception is null ? "" : " " + exception.Message)}");
        }
        catch (InvalidOperationException)
        {
            // the test has ended
        }
    }
}

/// <summary>The real monitor on a virtual clock, with scripted health checks, for the routes given.</summary>
internal sealed class ClusterMonitorHarness : IAsyncDisposable
{
    private ClusterMonitorHarness(MailboxClusterOptions options, FakeTimeProvider time, MailboxClusters clusters, MetricsRegistry metrics)
    {
        Options = options;
        Time = time;
        Clusters = clusters;
        Metrics = metrics;
        Logger = new RecordingLogger<MailboxClusterMonitor>(TestContext.Current.TestOutputHelper);
        Monitor = new MailboxClusterMonitor(clusters, Probe, new MailboxClusterMetrics(metrics, clusters),
            Microsoft.Extensions.Options.Options.Create(options), time, Logger);
        clusters.FailedOver += Failovers.Enqueue;
    }

    public MailboxClusterOptions Options { get; }
    public FakeTimeProvider Time { get; }
    public MailboxClusters Clusters { get; }
    public MetricsRegistry Metrics { get; }
    public ScriptedProbe Probe { get; } = new();
    public MailboxClusterMonitor Monitor { get; }
    public RecordingLogger<MailboxClusterMonitor> Logger { get; }
    public ConcurrentQueue<ClusterFailover> Failovers { get; } = new();

    public ClusterState Cluster => Clusters.All[0];
    public HostPort Active => Cluster.Active;

    /// <summary>Starts the monitor with every server up (unless <paramref name="before"/> says otherwise) and waits
    /// for its first round, at the start.</summary>
    public static async Task<ClusterMonitorHarness> StartAsync(string spec, MailboxClusterOptions? options = null, Action<ScriptedProbe>? before = null)
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 8, 0, 0, TimeSpan.Zero));
        var delivery = new DeliveryOptions { Routes = new() { ["example.net"] = spec } };
        var clusters = new MailboxClusters(Microsoft.Extensions.Options.Options.Create(delivery),
            Microsoft.Extensions.Options.Options.Create(new SpoolOptions()), time);
        var harness = new ClusterMonitorHarness(options ?? new MailboxClusterOptions(), time, clusters, new MetricsRegistry());
        before?.Invoke(harness.Probe);
        await harness.Monitor.StartAsync(TestContext.Current.CancellationToken);
        await harness.WaitForRoundAsync(0);
        return harness;
    }

    /// <summary>Advances the clock one interval at a time and waits for the monitor to finish each round.</summary>
    public async Task TickAsync(int rounds = 1)
    {
        for (var i = 0; i < rounds; i++)
        {
            var before = Monitor.Rounds;
            Time.Advance(Options.HealthCheckInterval);
            await WaitForRoundAsync(before);
        }
    }

    /// <summary>Sets <paramref name="server"/> down and runs <paramref name="rounds"/> rounds.</summary>
    public async Task FailAsync(HostPort server, int rounds)
    {
        Probe.Down(server);
        await TickAsync(rounds);
    }

    /// <summary>Sets <paramref name="server"/> up and runs one round; returns the time it came back.</summary>
    public async Task<DateTimeOffset> RecoverAsync(HostPort server)
    {
        Probe.Up(server);
        await TickAsync();
        return Time.GetUtcNow();
    }

    /// <summary>Ticks until <paramref name="condition"/> holds, at most <paramref name="rounds"/> times; returns the
    /// rounds it took.</summary>
    public async Task<int> TickUntilAsync(Func<bool> condition, int rounds)
    {
        for (var i = 1; i <= rounds; i++)
        {
            await TickAsync();
            if (condition())
                return i;
        }
        Assert.Fail($"not within {rounds} rounds; active {Active}");
        return rounds;
    }

    public Task WaitForRoundAsync(int before) =>
        Eventually.UntilAsync(() => Monitor.Rounds > before, TimeSpan.FromSeconds(10), () => "the monitor did not finish its round", pollMilliseconds: 2);

    public async Task<string> ScrapeAsync()
    {
        using var stream = new MemoryStream();
        await Metrics.ExportAsync(stream, TestContext.Current.CancellationToken);
        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    public async ValueTask DisposeAsync()
    {
        await Monitor.StopAsync(CancellationToken.None);
        Monitor.Dispose();
    }
}
