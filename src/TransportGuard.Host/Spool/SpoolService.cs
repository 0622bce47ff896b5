using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TransportGuard.Telemetry;

namespace TransportGuard.Spool;

/// <summary>
/// Opens the spool when the gateway starts, before any listener (registration order), so no mail is taken before
/// recovery has rebuilt the queue; closes it last.
/// </summary>
public sealed class SpoolService : IHostedService, IAsyncDisposable
{
    private readonly IOptions<SpoolOptions> _options;
    private readonly ILogger<MessageSpool> _logger;
    private readonly SpoolMetrics _metrics;
    private MessageSpool? _spool;

    public SpoolService(IOptions<SpoolOptions> options, ILogger<MessageSpool> logger, SpoolMetrics metrics)
    {
        _options = options;
        _logger = logger;
        _metrics = metrics;
        metrics.Watch(() => _spool);
    }

    public MessageSpool Spool => _spool ?? throw new InvalidOperationException("the spool is not open yet");

    /// <summary>The open spool, or null before recovery has finished (readiness) and after the stop.</summary>
    public MessageSpool? Current => _spool;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var spool = MessageSpool.Open(_options.Value.SpoolDirectory, _logger);
        spool.CommitObserver = (elapsed, failed) =>
        {
            if (failed)
                _metrics.CommitFailed();
            else
                _metrics.Committed(elapsed);
        };
        _spool = spool;
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken) => await DisposeAsync();

    public async ValueTask DisposeAsync()
    {
        var spool = Interlocked.Exchange(ref _spool, null);
        if (spool is not null)
            await spool.DisposeAsync();
    }
}
