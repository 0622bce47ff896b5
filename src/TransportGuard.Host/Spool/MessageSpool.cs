using System.Diagnostics;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;

namespace TransportGuard.Spool;

/// <summary>
/// The durable queue: messages as chunk records plus an envelope record in a FasterLog, state changes as small
/// records, an index rebuilt by recovery. A message exists once its envelope record is committed, and not before.
/// </summary>
internal sealed partial class MessageSpool : IAsyncDisposable
{
    private readonly SpoolLog _log;
    private readonly GroupCommitter _committer;
    private readonly ILogger _logger;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, long> _receiving = new(StringComparer.Ordinal);

    private MessageSpool(SpoolLog log, RetainedMessages retained, ILogger logger)
    {
        _log = log;
        Retained = retained;
        _logger = logger;
        _committer = new GroupCommitter(log, logger);
    }

    public SpoolIndex Index { get; } = new();
    public RetainedMessages Retained { get; }
    public RecoveryReport Recovery { get; private set; } = RecoveryReport.Empty;
    public long Commits => _committer.Commits;

    /// <summary>Told of every group commit: its duration and whether it failed.</summary>
    public Action<TimeSpan, bool>? CommitObserver
    {
        get => _committer.Observer;
        set => _committer.Observer = value;
    }

    /// <summary>A commit has failed: FasterLog refuses all further commits until the spool is reopened (a restart).</summary>
    public bool Faulted => _committer.Failures > 0;
    public long BeginAddress => _log.Log.BeginAddress;
    public long TailAddress => _log.Log.TailAddress;
    public string Directory => _log.Directory;

    /// <summary>Opens (recovering the last commit, dropping any torn tail) and rebuilds the index.</summary>
    public static MessageSpool Open(string directory, ILogger logger, bool readOnly = false, RetainedMessages? retained = null)
    {
        var watch = Stopwatch.StartNew();
        var spool = new MessageSpool(new SpoolLog(directory, readOnly), retained ?? new RetainedMessages(), logger);
        spool.Recovery = SpoolRecovery.Rebuild(spool._log, spool.Index, spool.Retained) with { Elapsed = watch.Elapsed };
        spool.LogRecovered(spool.Index.Count, spool.Recovery.Records, spool.Recovery.Unreadable, watch.ElapsedMilliseconds);
        return spool;
    }

    /// <summary>Appends content (split to fit a log page), adding the addresses of the records written.</summary>
    public async ValueTask AppendContentAsync(string queueId, ReadOnlyMemory<byte> content, List<long> addresses, CancellationToken cancellationToken)
    {
        var max = SpoolLog.MaxRecordLength - SpoolRecord.ChunkHeaderLength;
        if (addresses.Count == 0)
            _receiving[queueId] = _log.Log.TailAddress; // pins the log until the message commits or is abandoned
        while (!content.IsEmpty)
        {
            var piece = content[..Math.Min(max, content.Length)];
            // EnqueueAsync waits (without blocking a thread) when the in-memory part of the log is full.
            addresses.Add(await _log.Log.EnqueueAsync(SpoolRecord.BuildChunk(queueId, addresses.Count, piece.Span), cancellationToken));
            content = content[piece.Length..];
        }
    }

    /// <summary>A message that will never be committed (refused, or its client went away) no longer pins the log.</summary>
    public void Abandon(string queueId) => _receiving.TryRemove(queueId, out _);

    /// <summary>Raised once a new message is durable and indexed (not for compaction copies): the queue's feed.</summary>
    public event Action<SpooledMessage>? Committed;

    /// <summary>Writes the envelope and returns once it (and so the whole message) is durable. Unless
    /// <paramref name="announce"/> is false, the queue hears of it at once; otherwise the caller calls
    /// <see cref="Announce"/> when the message may be delivered.</summary>
    public async Task<SpooledMessage> CommitMessageAsync(SpooledEnvelope envelope, bool announce = true)
    {
        SpooledMessage message;
        try
        {
            message = await WriteEnvelopeAsync(envelope);
            Index.Put(message);
        }
        finally
        {
            // Only once the index has it: in between, nothing else kept truncation off its chunks (a chaos run,
            // disk-full seed 17, truncated a message acknowledged a moment before).
            _receiving.TryRemove(envelope.QueueId, out _);
        }
        if (announce)
            Announce(message);
        return message;
    }

    public void Announce(SpooledMessage message) => Committed?.Invoke(message);

    /// <summary>Stores a message we make ourselves (a delivery status notification, a takeover copy) whole: content, then envelope.</summary>
    public async Task<SpooledMessage> StoreAsync(SpooledEnvelope template, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        var chunks = new List<long>();
        await AppendContentAsync(template.QueueId, content, chunks, cancellationToken);
        var envelope = template with
        {
            Chunks = chunks, Length = content.Length, Sha256 = Convert.ToHexString(SHA256.HashData(content.Span)),
            Identity = template.Identity ?? ContentIdentity.Of(content.Span),
        };
        return await CommitMessageAsync(envelope);
    }

    /// <summary>The caller unpins the message (<c>_receiving</c>) once the index has it.</summary>
    private async Task<SpooledMessage> WriteEnvelopeAsync(SpooledEnvelope envelope)
    {
        // After a failed commit FasterLog commits nothing more (we do not let it tolerate device failures: it would
        // then report later commits as good while records of the failed range may be missing). Refuse at once
        // rather than wait for a commit that cannot succeed.
        if (Faulted)
            throw new IOException($"the spool is failed after a commit error; {envelope.QueueId} refused");
        var address = _log.Log.Enqueue(envelope.ToRecord());
        await _committer.WaitDurableAsync(address);
        return new SpooledMessage(envelope, address);
    }

    /// <summary>
    /// Compaction (docs/spool.md, Space): live messages with records before <paramref name="untilAddress"/>
    /// are copied to the tail, so that truncation can free the head they pinned. The copy keeps the queue id; a
    /// message finished while it was being copied stays finished (recovery lets Finished win).
    /// </summary>
    public async Task<int> CompactAsync(long untilAddress, CancellationToken cancellationToken = default)
    {
        var copied = 0;
        foreach (var message in Index.Messages.Where(m => m.FirstAddress < untilAddress).ToList())
        {
            var content = await ReadContentAsync(message.Envelope, cancellationToken);
            var chunks = new List<long>();
            try
            {
                await AppendContentAsync(message.Envelope.QueueId, content, chunks, cancellationToken);
                var copy = await WriteEnvelopeAsync(message.Envelope with { Chunks = chunks });
                if (Index.TryReplace(message, copy))
                    copied++;
            }
            finally
            {
                _receiving.TryRemove(message.Envelope.QueueId, out _);
            }
            await WriteProgressSnapshotAsync(message.Envelope.QueueId);
        }
        return copied;
    }

    /// <summary>Records that a message needs nothing more; durable before the index forgets it. With retention on,
    /// a message with deliveries of our own (<paramref name="outcomes"/>, else its recorded progress) stays in the
    /// log as retained, named by the same record (docs/safetynet.md).</summary>
    public async Task MarkFinishedAsync(string queueId, string reason, IEnumerable<RecipientOutcome>? outcomes = null)
    {
        List<RecipientOutcome> deliveries = [];
        if (Retained.Enabled && Index.TryGet(queueId, out var message))
        {
            deliveries = [.. (outcomes ?? Index.Progress(queueId).Outcomes.Values).Where(o => o.IsOwnDelivery)];
            // Retained before the index lets it go, so no truncation in between can pass its records.
            if (deliveries.Count > 0)
                Retained.Add(new RetainedMessage(message, deliveries));
        }
        var address = _log.Log.Enqueue(SpoolStateChange.Finish(queueId, reason, deliveries).ToRecord());
        await _committer.WaitDurableAsync(address);
        Index.Remove(queueId);
    }

    private const int ReadEstimate = SpoolRecord.ChunkHeaderLength + 64 * 1024 + 64;

    /// <summary>Reads a message's content back whole, checking its length and SHA-256 against the envelope.</summary>
    public async Task<byte[]> ReadContentAsync(SpooledEnvelope envelope, CancellationToken cancellationToken = default)
    {
        using var content = new MemoryStream(checked((int)envelope.Length));
        await foreach (var chunk in ReadChunksAsync(envelope, cancellationToken))
            content.Write(chunk.Span);
        return content.ToArray();
    }

    /// <summary>
    /// Streams a message's content chunk by chunk (never whole in memory). The length and SHA-256 are checked after
    /// the last chunk, before the enumeration completes: a sender finishes the transfer (the final dot, BDAT LAST)
    /// only after that, so a damaged copy is never accepted by a next hop.
    /// </summary>
    public async IAsyncEnumerable<ReadOnlyMemory<byte>> ReadChunksAsync(SpooledEnvelope envelope,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        long total = 0;
        foreach (var address in envelope.Chunks)
        {
            // The estimate is what FasterLog reads (and zeroes) from disk in one go: the usual chunk size, not the
            // page-sized maximum (measured: a 4 MiB estimate spent a third of the relay's CPU in memset).
            var (record, length) = await _log.Log.ReadAsync(address, ReadEstimate, cancellationToken);
            if (record is null || !SpoolRecord.TryReadHeader(record.AsSpan(0, length), out var kind, out var id)
                || kind != SpoolRecordKind.Chunk || id != envelope.QueueId)
                throw new InvalidDataException($"chunk at {address} of {envelope.QueueId} is unreadable");
            var content = record.AsMemory(SpoolRecord.ChunkHeaderLength, length - SpoolRecord.ChunkHeaderLength);
            hash.AppendData(content.Span);
            total += content.Length;
            yield return content;
        }
        if (total != envelope.Length || Convert.ToHexString(hash.GetHashAndReset()) != envelope.Sha256)
            throw new InvalidDataException($"content of {envelope.QueueId} does not match its envelope hash");
    }

    /// <summary>
    /// Frees the log before the oldest live message (docs/spool.md, Space). FasterLog drops whole segments
    /// once the truncation is committed.
    /// </summary>
    public async Task<long> TruncateAsync()
    {
        // Neither a live message, nor a retained one, nor one still being received may lose a record.
        // Min over nullables is null when empty: the dictionaries change under us, so never test-then-Min.
        var until = new[] { Index.LowestLiveAddress, Retained.LowestAddress, _receiving.Values.Select(a => (long?)a).Min() }
            .OfType<long>().DefaultIfEmpty(_log.Log.TailAddress).Min();
        if (until <= _log.Log.BeginAddress)
            return _log.Log.BeginAddress;
        _log.Log.TruncateUntil(until);
        await _log.CommitAsync(CancellationToken.None);
        return _log.Log.BeginAddress;
    }

    /// <summary>Every record in the committed log, for the offline checker: kind and queue id, or null when unreadable.</summary>
    public IEnumerable<(long Address, SpoolRecordKind? Kind, string? QueueId)> ScanRecords()
    {
        foreach (var entry in SpoolScan.Committed(_log))
        {
            yield return !entry.Unreadable && SpoolRecord.TryReadHeader(entry.Record, out var kind, out var id)
                ? (entry.Address, kind, id)
                : (entry.Address, null, null);
        }
    }

    private int _disposed;

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;
        await _committer.DisposeAsync();
        _log.Dispose();
    }

    [LoggerMessage(2000, LogLevel.Information, "Spool recovered: {Messages} message(s) queued from {Records} record(s), {Unreadable} unreadable record(s) skipped, in {ElapsedMs} ms")]
    private partial void LogRecovered(int messages, long records, long unreadable, long elapsedMs);
}
