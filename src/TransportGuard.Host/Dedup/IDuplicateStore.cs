namespace TransportGuard.Dedup;

/// <summary>
/// Where deliveries are remembered (docs/dedup.md): one entry per (message identity, body, recipient, destination),
/// written as soon as the next hop's 250 is read and looked up before each delivery and on receive. The embedded
/// store is local and persistent (FASTER); the shared one is a Redis-protocol server that every node delivering to
/// the same mailboxes reaches.
/// </summary>
internal interface IDuplicateStore : IAsyncDisposable
{
    /// <summary>What the store holds for each key, in the keys' order (null: not delivered, or expired).</summary>
    /// <exception cref="DuplicateStoreUnavailableException">The store cannot answer now.</exception>
    Task<IReadOnlyList<DeliveredEntry?>> FindAsync(IReadOnlyList<DeliveryKey> keys, CancellationToken cancellationToken);

    /// <summary>Remembers deliveries; returns once they are durable (local) or acknowledged by the server (shared).
    /// A key already present keeps its first entry (the original).</summary>
    /// <exception cref="DuplicateStoreUnavailableException">The store cannot take them now.</exception>
    Task RecordAsync(IReadOnlyList<KeyValuePair<DeliveryKey, DeliveredEntry>> entries, CancellationToken cancellationToken);
}

/// <summary>The store did not answer (a shared server unreachable or too slow, a local store failed).</summary>
internal sealed class DuplicateStoreUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
