using System.Collections.Concurrent;

namespace TransportGuard.Spool;

/// <summary>A finished message kept for the Safety Net: its last envelope (its content stays in the log), when it
/// was delivered, and the deliveries of our own it is kept for (route, destination, next hop's reply).</summary>
internal sealed record RetainedMessage(SpooledMessage Message, IReadOnlyList<RecipientOutcome> Deliveries)
{
    /// <summary>Its last delivery: what the hold time and the age bounds count from.</summary>
    public DateTimeOffset DeliveredAt { get; } = Deliveries.Max(o => o.At);

    public SpooledEnvelope Envelope => Message.Envelope;
    public string QueueId => Message.Envelope.QueueId;
}

/// <summary>
/// Delivered messages the spool keeps after they finished (docs/safetynet.md): their records stay in the log, and
/// truncation stops before the oldest of them as before a live message. Nothing more is written to keep them: the
/// Finished record names the deliveries (one record per message, as without retention). The Safety Net decides
/// when each is released (hold time, size); recovery rebuilds the set from the Finished records.
/// </summary>
internal sealed class RetainedMessages
{
    private readonly ConcurrentDictionary<string, RetainedMessage> _messages = new(StringComparer.Ordinal);
    private long _bytes;

    /// <summary>Whether finished deliveries are kept at all (Safety Net enabled).</summary>
    public bool Enabled { get; init; } = true;

    public int Count => _messages.Count;
    public long Bytes => Interlocked.Read(ref _bytes);

    /// <summary>In no order: the Safety Net scans them (resubmit filters, expiry).</summary>
    public IEnumerable<RetainedMessage> All => _messages.Values;

    public bool TryGet(string queueId, out RetainedMessage message) => _messages.TryGetValue(queueId, out message!);

    /// <summary>The lowest log address a retained message needs (null when none): truncation stops before it.</summary>
    public long? LowestAddress => _messages.Values.Select(m => (long?)m.Message.FirstAddress).Min();

    public DateTimeOffset? OldestDelivery => _messages.Values.Select(m => (DateTimeOffset?)m.DeliveredAt).Min();

    internal void Add(RetainedMessage message)
    {
        var previous = default(RetainedMessage);
        _messages.AddOrUpdate(message.QueueId, message, (_, known) =>
        {
            previous = known;
            return message;
        });
        Interlocked.Add(ref _bytes, message.Envelope.Length - (previous?.Envelope.Length ?? 0));
    }

    /// <summary>Lets a message go: the next truncation may free its records.</summary>
    public bool Release(string queueId)
    {
        if (!_messages.TryRemove(queueId, out var released))
            return false;
        Interlocked.Add(ref _bytes, -released.Envelope.Length);
        return true;
    }

    /// <summary>Recovery starts from nothing: the log says what is retained.</summary>
    internal void Clear()
    {
        foreach (var queueId in _messages.Keys)
            Release(queueId);
    }

    /// <summary>Recovery: drops what the log no longer holds whole (truncated past its first record).</summary>
    internal void DropBefore(long beginAddress)
    {
        foreach (var message in _messages.Values)
            if (message.Message.FirstAddress < beginAddress)
                Release(message.QueueId);
    }
}
