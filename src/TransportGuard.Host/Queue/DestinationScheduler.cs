using System.Collections.Concurrent;

namespace TransportGuard.Queue;

/// <summary>
/// Fair use of delivery slots: a job first waits for a slot of its own destination, holding nothing else, and only
/// then takes one of the global slots. So a slow or dead destination holds at most its own limit of the global
/// slots and mail to every other destination keeps moving (Postfix's per-destination concurrency).
/// </summary>
internal sealed class DestinationScheduler(int maxConcurrent, int maxPerDestination) : IDisposable
{
    private readonly SemaphoreSlim _global = new(maxConcurrent);
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _destinations = new(StringComparer.OrdinalIgnoreCase);

    public int Running => maxConcurrent - _global.CurrentCount;

    public async Task<T> RunAsync<T>(string destination, Func<Task<T>> work, CancellationToken cancellationToken)
    {
        var slot = _destinations.GetOrAdd(destination, _ => new SemaphoreSlim(maxPerDestination));
        await slot.WaitAsync(cancellationToken);
        try
        {
            await _global.WaitAsync(cancellationToken);
            try
            {
                return await work();
            }
            finally
            {
                _global.Release();
            }
        }
        finally
        {
            slot.Release();
        }
    }

    public void Dispose()
    {
        _global.Dispose();
        foreach (var slot in _destinations.Values)
            slot.Dispose();
    }
}
