namespace TransportGuard.Spool;

/// <summary>
/// The store stage as the stages after it see it (docs/architecture.md, Stages): the live messages and their
/// progress, durable changes to them, their content, and a feed of newly committed messages. Every change returns
/// only once it is on disk, so a caller acts on it after, never before.
/// </summary>
internal interface IMessageStore
{
    /// <summary>Recovered and open (readiness); false before start-up recovery ends and after the stop.</summary>
    bool IsOpen { get; }

    /// <summary>A commit has failed: nothing more is written until the gateway restarts.</summary>
    bool Faulted { get; }

    int Count { get; }

    /// <summary>Live messages in queue-id order (for listings).</summary>
    IEnumerable<SpooledMessage> Messages { get; }

    /// <summary>Live messages in no order (for counts and scans).</summary>
    IEnumerable<SpooledMessage> Unordered { get; }

    bool TryGet(string queueId, out SpooledMessage message);

    MessageProgress Progress(string queueId);

    /// <summary>Raised once a new message is durable, and may be delivered (after the receive gate).</summary>
    event Action<SpooledMessage>? Committed;

    /// <summary>Applies a change to a message's progress, durably; null when the message is no longer live.</summary>
    Task<MessageProgress?> RecordProgressAsync(string queueId, Func<MessageProgress, MessageProgress> change, string reason);

    /// <summary>Ends a queue id for good, durably. Its deliveries of our own (<paramref name="outcomes"/>, else those
    /// recorded in its progress) keep it retained for the Safety Net when retention is on (docs/safetynet.md).</summary>
    Task MarkFinishedAsync(string queueId, string reason, IEnumerable<RecipientOutcome>? outcomes = null);

    /// <summary>Delivered messages kept after they finished (docs/safetynet.md); empty when retention is off.</summary>
    RetainedMessages Retained { get; }

    /// <summary>Stores a message made here (a report, a takeover copy) whole; it is announced like received mail.</summary>
    Task<SpooledMessage> StoreAsync(SpooledEnvelope template, ReadOnlyMemory<byte> content, CancellationToken cancellationToken);

    /// <summary>Content chunk by chunk, its length and SHA-256 checked before the enumeration completes.</summary>
    IAsyncEnumerable<ReadOnlyMemory<byte>> ReadChunksAsync(SpooledEnvelope envelope, CancellationToken cancellationToken = default);

    Task<byte[]> ReadContentAsync(SpooledEnvelope envelope, CancellationToken cancellationToken = default);
}
