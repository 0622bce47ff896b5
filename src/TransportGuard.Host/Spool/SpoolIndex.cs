using System.Collections.Concurrent;

namespace TransportGuard.Spool;

/// <summary>The in-memory index of live messages and their queue progress, rebuilt from the log at start (docs/spool.md).</summary>
internal sealed class SpoolIndex
{
    private readonly ConcurrentDictionary<string, SpooledMessage> _messages = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, MessageProgress> _progress = new(StringComparer.Ordinal);

    public int Count => _messages.Count;
    public long Bytes => _messages.Values.Sum(m => m.Envelope.Length);
    public IEnumerable<SpooledMessage> Messages => _messages.Values.OrderBy(m => m.Envelope.QueueId, StringComparer.Ordinal);

    /// <summary>The live messages in no particular order: for counts and scans that need no order (a metrics scrape
    /// of a large queue should not sort it).</summary>
    public IEnumerable<SpooledMessage> Unordered => _messages.Values;

    public bool TryGet(string queueId, out SpooledMessage message) => _messages.TryGetValue(queueId, out message!);

    /// <summary>Adds or replaces (a compacted copy supersedes the original).</summary>
    public void Put(SpooledMessage message) => _messages[message.Envelope.QueueId] = message;

    public bool Remove(string queueId)
    {
        _progress.TryRemove(queueId, out _);
        return _messages.TryRemove(queueId, out _);
    }

    /// <summary>Points a message at its compacted copy, unless it was finished (removed) meanwhile.</summary>
    public bool TryReplace(SpooledMessage current, SpooledMessage copy) =>
        _messages.TryUpdate(current.Envelope.QueueId, copy, current);

    /// <summary>The lowest log address any live message still needs: everything before it can be truncated.</summary>
    public long? LowestLiveAddress => _messages.Values.Select(m => (long?)m.FirstAddress).Min(); // null when empty, race-free

    public MessageProgress Progress(string queueId) =>
        _progress.TryGetValue(queueId, out var progress) ? progress : MessageProgress.Initial;

    /// <summary>Only the spool's writer calls this, under its lock, so revisions follow log order.</summary>
    internal void SetProgress(string queueId, MessageProgress progress) => _progress[queueId] = progress;

    /// <summary>Recovery: folds a state record into what is known, in whatever order the copies come.</summary>
    internal void MergeProgress(string queueId, MessageProgress progress) =>
        _progress.AddOrUpdate(queueId, progress, (_, known) => known.Merge(progress));

    /// <summary>Recovery: drops progress of messages that turned out finished or never committed.</summary>
    internal void DropOrphanProgress()
    {
        foreach (var queueId in _progress.Keys)
            if (!_messages.ContainsKey(queueId))
                _progress.TryRemove(queueId, out _);
    }
}

/// <summary>A live message: its envelope and the address of its envelope record.</summary>
internal sealed record SpooledMessage(SpooledEnvelope Envelope, long EnvelopeAddress)
{
    public long FirstAddress => Envelope.Chunks.Count > 0 ? Math.Min(Envelope.Chunks[0], EnvelopeAddress) : EnvelopeAddress;
}
