using System.Security.Cryptography;
using TransportGuard.Smtp;

namespace TransportGuard.Spool;

/// <summary>
/// The SMTP engine's sink on the spool: content goes to chunk records as it streams in, the envelope record last;
/// the commit returns when the group commit covering the envelope is durable, which is when the client gets 250.
/// An aborted message leaves only chunk records no envelope names, which recovery ignores and truncation frees.
/// </summary>
internal sealed class SpoolMessageSink(SpoolService spool, QueueIdGenerator ids, DiskSpaceGuard disk, IEnumerable<IReceiveGate> gates) : IMessageSink
{
    /// <summary>No while the disk is under its floor, or while the spool is failed after a commit error: new mail
    /// then gets 452 4.3.1 at MAIL rather than 451 after its whole body.</summary>
    public bool HasCapacity(long declaredSize) => !spool.Spool.Faulted && disk.HasRoomFor(declaredSize);

    public ValueTask<IMessageWriter> OpenAsync(MessageEnvelope envelope, CancellationToken cancellationToken) =>
        ValueTask.FromResult<IMessageWriter>(new Writer(spool.Spool, ids.Next(), envelope, [.. gates]));

    private sealed class Writer(MessageSpool spool, string queueId, MessageEnvelope envelope, IReadOnlyList<IReceiveGate> gates) : IMessageWriter
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
                return duplicate; // nothing committed: the chunks are abandoned at dispose
            // Durable here first; then what the gates ask before the 250 (a shadow copy, or a refusal); only then
            // may it be delivered.
            var message = await spool.CommitMessageAsync(plan.Envelope, announce: false);
            try
            {
                if (plan.BeforeAck is { } beforeAck)
                    await beforeAck(message);
            }
            finally
            {
                if (spool.Index.TryGet(queueId, out _))
                    spool.Announce(message);
            }
            return null;
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
