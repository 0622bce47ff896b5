using System.Security.Cryptography;
using TransportGuard.Smtp;
using TransportGuard.Tracking;

namespace TransportGuard.Spool;

/// <summary>
/// The SMTP engine's sink on the spool: content goes to chunk records as it streams in, the envelope record last;
/// the commit returns when the group commit covering the envelope is durable, which is when the client gets 250.
/// An aborted message leaves only chunk records no envelope names, which recovery ignores and truncation frees.
/// </summary>
internal sealed class SpoolMessageSink(SpoolService spool, QueueIdGenerator ids, DiskSpaceGuard disk, IEnumerable<IReceiveGate> gates,
    IMessageTracker tracker) : IMessageSink
{
    /// <summary>No while the disk is under its floor, or while the spool is failed after a commit error: new mail
    /// then gets 452 4.3.1 at MAIL rather than 451 after its whole body.</summary>
    public bool HasCapacity(long declaredSize) => !spool.Spool.Faulted && disk.HasRoomFor(declaredSize);

    public ValueTask<IMessageWriter> OpenAsync(MessageEnvelope envelope, CancellationToken cancellationToken) =>
        ValueTask.FromResult<IMessageWriter>(new Writer(spool.Spool, ids.Next(), envelope, [.. gates], tracker));

    private sealed class Writer(MessageSpool spool, string queueId, MessageEnvelope envelope, IReadOnlyList<IReceiveGate> gates,
        IMessageTracker tracker) : IMessageWriter
    {
        private readonly List<long> _chunks = [];
        private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        private readonly ContentIdentityBuilder _identity = new();
        private long _length;

        public string QueueId => queueId;

        public async ValueTask WriteAsync(ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
        {
            _hash.AppendData(content.Span);
            _identity.Append(content.Span);
            _length += content.Length;
            await spool.AppendContentAsync(queueId, content, _chunks, cancellationToken);
        }

        public async ValueTask<string?> CommitAsync(CancellationToken cancellationToken)
        {
            var sha256 = Convert.ToHexString(_hash.GetHashAndReset());
            var plan = new ReceivePlan(SpooledEnvelope.From(envelope, queueId, _chunks, _length, sha256, _identity.Build()));
            foreach (var gate in gates)
                plan = await gate.PlanAsync(plan, envelope, cancellationToken);
            if (plan.Duplicate is { } duplicate)
            {
                tracker.Record(Received(plan.Envelope, TrackingEventKind.Duplicate) with { Detail = duplicate });
                return duplicate; // nothing committed: the chunks are abandoned at dispose
            }
            // Durable here first; then what the gates ask before the 250 (a shadow copy, or a refusal); only then
            // may it be delivered.
            var message = await spool.CommitMessageAsync(plan.Envelope, announce: false);
            try
            {
                if (plan.BeforeAck is { } beforeAck)
                    await beforeAck(message);
                tracker.Record(Received(plan.Envelope, plan.Envelope.ShadowOf is null ? TrackingEventKind.Receive : TrackingEventKind.Shadow));
            }
            finally
            {
                if (spool.Index.TryGet(queueId, out _))
                    spool.Announce(message);
            }
            return null;
        }

        /// <summary>What the 250 answered (docs/tracking.md): a message received from a client (with the peer that
        /// holds its shadow, if one does), a shadow copy taken for its primary, or a duplicate not queued again.</summary>
        private TrackingEvent Received(SpooledEnvelope committed, TrackingEventKind kind)
        {
            var received = committed.Tracked(kind) with { Client = envelope.ClientAddress, Helo = envelope.HeloName, Size = _length };
            if (committed.ShadowOf is { } of)
                return received with { Peer = of.Primary, PeerQueueId = of.PrimaryQueueId, Detail = $"shadow copy held for its primary {of.Primary}" };
            return spool.Index.Progress(queueId).HolderOf(committed) is { } holder ? received with { Peer = holder, Detail = $"shadow held by {holder}" } : received;
        }

        public ValueTask DisposeAsync()
        {
            spool.Abandon(queueId); // no-op after a commit
            _hash.Dispose();
            _identity.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
