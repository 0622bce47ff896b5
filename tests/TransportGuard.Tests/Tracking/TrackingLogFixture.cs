using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using TransportGuard.Telemetry;
using TransportGuard.Tests.Support;
using TransportGuard.Tracking;

namespace TransportGuard.Tests.Tracking;

/// <summary>A tracking log in a temp directory on a virtual clock, with its own metrics and a log that is kept.</summary>
internal sealed class TrackingLogFixture : IAsyncDisposable
{
    public static readonly DateTimeOffset Monday = new(2026, 11, 30, 9, 59, 59, TimeSpan.Zero);

    private readonly List<TrackingLog> _logs = [];

    public TrackingLogFixture(TrackingOptions? options = null)
    {
        Options = options ?? new TrackingOptions();
        Directory = new TrackingDirectory(TempDirectory.Create("tracking"));
    }

    public TrackingOptions Options { get; }
    public TrackingDirectory Directory { get; }
    public FakeTimeProvider Time { get; } = new(Monday);
    public MetricsRegistry Metrics { get; } = new();
    public RecordingLogger<TrackingLog> Logger { get; } = new();

    /// <summary>A new log on this directory (not started: nothing drains its channel until it is).</summary>
    public TrackingLog Create()
    {
        var log = new TrackingLog(Directory, Microsoft.Extensions.Options.Options.Create(Options), new TrackingMetrics(Metrics), Time, Logger);
        _logs.Add(log);
        return log;
    }

    public TrackingReader Reader() => new(Directory, Microsoft.Extensions.Options.Options.Create(Options), Time);

    /// <summary>Writes <paramref name="events"/> (their own times kept) through a log, stopped so all are on file.</summary>
    public async Task WriteAsync(params TrackingEvent[] events)
    {
        var log = Create();
        await log.StartAsync(TestContext.Current.CancellationToken);
        foreach (var trackingEvent in events)
            log.Record(trackingEvent);
        await log.StopAsync(TestContext.Current.CancellationToken);
    }

    public async Task<double> MetricAsync(string series)
    {
        using var stream = new MemoryStream();
        await Metrics.ExportAsync(stream, TestContext.Current.CancellationToken);
        return MetricsText.Value(System.Text.Encoding.UTF8.GetString(stream.ToArray()), series);
    }

    public string[] Lines(string file) => File.ReadAllLines(Path.Combine(Directory.Root, file));

    public async ValueTask DisposeAsync()
    {
        foreach (var log in _logs)
            await log.StopAsync(CancellationToken.None);
        TempDirectory.Delete(Directory.Root);
    }
}
