using System.Collections.Concurrent;

namespace TransportGuard.Shadow;

/// <summary>
/// One takeover of a primary at a time, and a way to halt it (docs/protocol.md, Takeover): a primary that asks
/// XQUERYTAKEN is alive, so no copy of its messages may be started after the answer. The answer waits for the copy
/// being written, and the shadows not yet copied stay shadows (the primary delivers them and sends their discard
/// notices). Without this, a large takeover still under way when its primary came back was answered in part, and
/// the primary delivered what the holder went on to copy and deliver too.
/// </summary>
internal sealed class TakeoverGuard(PeerDirectory peers)
{
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _running = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _halted = new(StringComparer.Ordinal);

    /// <summary>Holds the primary's takeover slot until disposed; a new takeover is no longer halted.</summary>
    public async Task<IDisposable> EnterAsync(string primary)
    {
        var slot = Slot(primary);
        await slot.WaitAsync();
        _halted.TryRemove(primary, out _);
        return new Exit(slot);
    }

    /// <summary>Whether the takeover under way should stop before its next copy.</summary>
    public bool Halted(string primary) => _halted.ContainsKey(primary);

    /// <summary>The primary asked: it is up; stop any takeover of it and wait for the copy being written.</summary>
    public async Task HaltAsync(string primary)
    {
        _halted[primary] = 0;
        peers.MarkUp(primary);
        var slot = Slot(primary);
        await slot.WaitAsync();
        slot.Release();
    }

    private SemaphoreSlim Slot(string primary) => _running.GetOrAdd(primary, _ => new SemaphoreSlim(1, 1));

    private sealed class Exit(SemaphoreSlim slot) : IDisposable
    {
        private int _done;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _done, 1) == 0)
                slot.Release();
        }
    }
}
