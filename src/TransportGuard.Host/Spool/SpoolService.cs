using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace TransportGuard.Spool;

/// <summary>
/// Opens the spool when the gateway starts, before any listener (registration order), so no mail is taken before
/// recovery has rebuilt the queue; closes it last.
/// </summary>
public sealed class SpoolService(IOptions<SpoolOptions> options, ILogger<MessageSpool> logger) : IHostedService, IAsyncDisposable
{
    private MessageSpool? _spool;

    public MessageSpool Spool => _spool ?? throw new InvalidOperationException("the spool is not open yet");

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _spool = MessageSpool.Open(options.Value.SpoolDirectory, logger);
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
