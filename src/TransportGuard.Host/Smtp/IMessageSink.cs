namespace TransportGuard.Smtp;

/// <summary>
/// Where received messages go. The engine streams content into a writer in bounded chunks and answers 250 only
/// when <see cref="IMessageWriter.CommitAsync"/> returns (docs/architecture.md, Conventions 4: 250 only once durable).
/// </summary>
internal interface IMessageSink
{
    /// <summary>Whether a message of this size may be taken now (disk space); asked at MAIL and again at DATA.</summary>
    bool HasCapacity(long declaredSize);

    ValueTask<IMessageWriter> OpenAsync(MessageEnvelope envelope, CancellationToken cancellationToken);
}

/// <summary>One message being received. Disposing it without a commit discards everything written.</summary>
internal interface IMessageWriter : IAsyncDisposable
{
    /// <summary>Known from the start so the Received header can name it.</summary>
    string QueueId { get; }

    ValueTask WriteAsync(ReadOnlyMemory<byte> content, CancellationToken cancellationToken);

    /// <summary>Returns null once the message is durable; throws when it could not be made so. Returns what to say
    /// after "250 2.0.0 Ok:" instead of "queued as" when the message needs no queuing (every recipient already has
    /// it: a sender's retry after a lost 250, docs/dedup.md).</summary>
    ValueTask<string?> CommitAsync(CancellationToken cancellationToken);
}
