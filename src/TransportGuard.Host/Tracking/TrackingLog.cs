using System.Text.Encodings.Web;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace TransportGuard.Tracking;

/// <summary>
/// The tracking log (docs/tracking.md): events go into a bounded channel, and one writer task appends them as JSON
/// lines to the file of their UTC hour. Recording never waits: when the writer is Tracking:QueueCapacity events
/// behind, the event is dropped, counted, and warned of once a minute. Tracking is not part of the durability
/// promise (docs/architecture.md): nothing here is fsynced, a crash loses what was not yet written (at most about a
/// second), and no session or delivery ever waits for it; the spool is what keeps mail.
/// </summary>
internal sealed partial class TrackingLog : IMessageTracker, IHostedService, IAsyncDisposable
{
    /// <summary>After each write the writer lets a second's events gather, so a busy node writes about once a
    /// second and an idle one at once; either way an event is in its file within about a second.</summary>
    public static readonly TimeSpan FlushInterval = TimeSpan.FromSeconds(1);

    private static readonly TimeSpan WarningInterval = TimeSpan.FromMinutes(1);
    private static readonly JsonWriterOptions LineOptions = new()
    {
        // Files for grep, never HTML: addresses, replies and non-ASCII text stay as they are.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        SkipValidation = true,
    };

    private readonly TrackingDirectory _directory;
    private readonly TrackingOptions _options;
    private readonly TrackingMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger<TrackingLog> _logger;
    private readonly Channel<TrackingEvent> _events;
    private readonly CancellationTokenSource _stopping = new();
    private Task _writer = Task.CompletedTask;
    private ITimer? _sweep;
    private long _lastWarning = long.MinValue;
    private long _dropped;
    private int _disposed;

    // The writer task's own: the file of the hour being written, and how many events it holds unflushed.
    private FileStream? _file;
    private Utf8JsonWriter? _json;
    private string? _filePath;
    private int _unflushed;

    public TrackingLog(TrackingDirectory directory, IOptions<TrackingOptions> options, TrackingMetrics metrics, TimeProvider time, ILogger<TrackingLog> logger)
    {
        _directory = directory;
        _options = options.Value;
        _metrics = metrics;
        _time = time;
        _logger = logger;
        _events = Channel.CreateBounded<TrackingEvent>(new BoundedChannelOptions(_options.QueueCapacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait, // TryWrite then says no, and the event is counted as dropped
        });
        metrics.Observe(directory.Bytes);
    }

    public void Record(TrackingEvent trackingEvent)
    {
        var stamped = trackingEvent.At == default ? trackingEvent with { At = _time.GetUtcNow() } : trackingEvent;
        if (!_events.Writer.TryWrite(stamped))
            Dropped(1, "the writer is behind (Tracking:QueueCapacity)");
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(_directory.Root);
        Sweep();
        _sweep = _time.CreateTimer(_ => Sweep(), null, SweepInterval, SweepInterval);
        _writer = Task.Run(WriteAsync, CancellationToken.None);
        return Task.CompletedTask;
    }

    /// <summary>Writes what is waiting, then stops: registered before the stages, it stops after them.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _events.Writer.TryComplete();
        await _stopping.CancelAsync();
        try
        {
            await _writer.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // the host's shutdown timeout passed: what is not written is lost, as in a crash
        }
        if (_sweep is not null)
            await _sweep.DisposeAsync();
    }

    /// <summary>Once, though the container may hold this log twice (itself, and as the <see cref="IMessageTracker"/>).</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
            return;
        await StopAsync(CancellationToken.None);
        _stopping.Dispose();
    }

    private async Task WriteAsync()
    {
        var reader = _events.Reader;
        try
        {
            while (await reader.WaitToReadAsync(CancellationToken.None))
            {
                while (reader.TryRead(out var trackingEvent))
                    Write(trackingEvent);
                Flush();
                try
                {
                    await Task.Delay(FlushInterval, _time, _stopping.Token);
                }
                catch (OperationCanceledException)
                {
                    // stopping: write the rest without waiting
                }
            }
        }
        finally
        {
            Close();
        }
    }

    private void Write(TrackingEvent trackingEvent)
    {
        try
        {
            var json = Open(_directory.FileFor(trackingEvent.At));
            JsonSerializer.Serialize(json, trackingEvent, TrackingJson.Default.TrackingEvent);
            json.Flush();
            json.Reset();
            _file!.WriteByte((byte)'\n');
            _unflushed++;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Failed(1, ex);
        }
    }

    /// <summary>The writer for <paramref name="path"/>, opened for appending (a restart continues its hour's file).</summary>
    private Utf8JsonWriter Open(string path)
    {
        if (path == _filePath && _json is not null)
            return _json;
        Close();
        _file = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete, 64 * 1024);
        _json = new Utf8JsonWriter(_file, LineOptions);
        _filePath = path;
        return _json;
    }

    private void Flush()
    {
        if (_file is null)
            return;
        try
        {
            _file.Flush();
            _metrics.Written(_unflushed);
            _unflushed = 0;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Failed(0, ex);
        }
    }

    private void Close()
    {
        Flush();
        Release();
    }

    private void Release()
    {
        try
        {
            _json?.Dispose();
            _file?.Dispose();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Disposing writes the buffer once more; what fails here failed (and was counted) a moment ago.
        }
        (_json, _file, _filePath) = (null, null, null);
    }

    /// <summary>A write failed (a full disk, say): the events not on file are dropped, the file is reopened next time.</summary>
    private void Failed(int events, Exception exception)
    {
        var lost = events + _unflushed;
        _unflushed = 0;
        Release();
        Dropped(lost, exception.Message);
    }

    private void Dropped(long count, string reason)
    {
        _metrics.Dropped(count);
        var total = Interlocked.Add(ref _dropped, count);
        var now = _time.GetTimestamp();
        var last = Interlocked.Read(ref _lastWarning);
        if (last != long.MinValue && _time.GetElapsedTime(last, now) < WarningInterval)
            return;
        if (Interlocked.CompareExchange(ref _lastWarning, now, last) == last)
            LogDropped(total, reason);
    }

    [LoggerMessage(9500, LogLevel.Warning, "Message tracking dropped events ({Total} so far): {Reason}; mail is not affected")]
    private partial void LogDropped(long total, string reason);
}
