using System.Buffers;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using TransportGuard.Smtp;
using TransportGuard.Smtp.Session;
using TransportGuard.Spool;
using TransportGuard.Telemetry;
using TransportGuard.Tracking;

namespace TransportGuard.Tests.Support;

/// <summary>
/// One SMTP session over an in-memory connection, on a virtual clock, writing to a real file sink in a temp
/// directory (or to the sink a test wraps around it).
/// </summary>
internal sealed class SessionHarness : IAsyncDisposable
{
    private readonly string _data = TempDirectory.Create("session");
    private readonly CancellationTokenSource _shutdown = new();
    private readonly SpoolService _spool;

    public SessionHarness(SmtpLimits? limits = null, Func<IMessageSink, IMessageSink>? wrapSink = null)
    {
        Time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 23, 12, 0, 0, TimeSpan.Zero));
        var spoolOptions = Options.Create(new SpoolOptions { DataDirectory = _data, MinimumFreeBytes = 0 });
        var metrics = new MetricsRegistry();
        _spool = new SpoolService(spoolOptions, NullLogger<MessageSpool>.Instance, new SpoolMetrics(metrics, new DiskSpaceGuard(spoolOptions, Time)), new RetainedMessages(),
            NoMessageTracker.Instance);
        _spool.StartAsync(CancellationToken.None).GetAwaiter().GetResult();
        IMessageSink sink = new SpoolMessageSink(_spool, new QueueIdGenerator(Time), new DiskSpaceGuard(spoolOptions, Time), [], NoMessageTracker.Instance);
        Sink = wrapSink?.Invoke(sink) ?? sink;
        var server = Options.Create(new SmtpServerOptions { HostName = "mx.test.local" });
        var services = new SmtpSessionServices(server, Options.Create(limits ?? new SmtpLimits()),
            new RelayPolicy(Options.Create(new RelayOptions())), Sink,
            new TlsCertificateProvider(Options.Create(new TlsOptions { GenerateSelfSigned = false }), server),
            new TransportGuard.Smtp.Cluster.ClusterIdentity("mx", null), Time, new SmtpMetrics(metrics), NullLogger<SmtpSession>.Instance, []);
        Session = new SmtpSession(Connection, services, _shutdown.Token);
        Running = Session.RunAsync();
    }

    public InMemoryConnection Connection { get; } = new();
    public FakeTimeProvider Time { get; }
    public IMessageSink Sink { get; }
    public SmtpSession Session { get; }
    public Task Running { get; }
    /// <summary>How many messages the spool holds (acknowledged and durable).</summary>
    public int QueuedMessages => _spool.Spool.Index.Count;

    public async Task SendAsync(string raw)
    {
        await Connection.ClientOutput.WriteAsync(Encoding.UTF8.GetBytes(raw), TestContext.Current.CancellationToken);
    }

    /// <summary>Reads replies until <paramref name="count"/> complete replies have arrived; returns their last lines.</summary>
    public async Task<IReadOnlyList<string>> ReadRepliesAsync(int count)
    {
        var replies = new List<string>();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(10));
        var reader = Connection.ClientInput;
        while (replies.Count < count)
        {
            var result = await reader.ReadAsync(timeout.Token);
            var buffer = result.Buffer;
            while (replies.Count < count && buffer.PositionOf((byte)'\n') is { } lf)
            {
                var line = Encoding.UTF8.GetString(buffer.Slice(0, lf)).TrimEnd('\r');
                buffer = buffer.Slice(buffer.GetPosition(1, lf));
                if (line.Length < 4 || line[3] != '-')
                    replies.Add(line);
            }
            reader.AdvanceTo(buffer.Start, buffer.End);
            if (result.IsCompleted && replies.Count < count)
                throw new IOException("session closed; replies so far: " + string.Join(" | ", replies));
        }
        return replies;
    }

    /// <summary>
    /// Asserts the session ends on its own at <paramref name="timeout"/> on the virtual clock: still running a second
    /// before (given real time to react), ended after. How fast it reacts in real time does not matter.
    /// </summary>
    public async Task AssertSessionEndsAtAsync(TimeSpan timeout)
    {
        Time.Advance(timeout - TimeSpan.FromSeconds(1));
        await Task.Delay(TimeSpan.FromMilliseconds(200), TestContext.Current.CancellationToken);
        Assert.False(Running.IsCompleted, $"the session ended before {timeout}");
        Time.Advance(TimeSpan.FromSeconds(2));
        await Running.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        await _shutdown.CancelAsync();
        await Connection.ClientOutput.CompleteAsync();
        await Running.WaitAsync(TimeSpan.FromSeconds(10));
        await Session.DisposeAsync();
        await _spool.DisposeAsync();
        _shutdown.Dispose();
        TempDirectory.Delete(_data);
    }
}
