using TransportGuard.Smtp;

namespace TransportGuard.Spool;

/// <summary>
/// The store's seam between a message being received and its 250 (docs/architecture.md, Seams). Gates run in
/// their registration order, each given the plan so far: one annotates the envelope from what the session
/// established (who holds a shadow of the message, whose shadow it is) and may act once it is durable (shadow
/// before ack copies it to a peer, or refuses it with <see cref="MessageRefusedException"/>); another may find it a
/// duplicate of mail already delivered, which is then answered 250 and not queued.
/// </summary>
internal interface IReceiveGate
{
    ValueTask<ReceivePlan> PlanAsync(ReceivePlan plan, MessageEnvelope received, CancellationToken cancellationToken);
}

/// <summary>What to do with a received message.</summary>
/// <param name="Envelope">The envelope to commit.</param>
/// <param name="BeforeAck">What to do once it is durable, before the 250 (null: nothing).</param>
/// <param name="OwedToPeer">A peer holds a copy and waits for our outcome of it (a shadow copy, or mail a peer
/// relayed while keeping its shadow): it must be queued, whatever it duplicates, so that the outcome comes.</param>
/// <param name="Duplicate">Set when every recipient already has the message: what the 250 says instead of "queued".</param>
internal sealed record ReceivePlan(SpooledEnvelope Envelope, Func<SpooledMessage, Task>? BeforeAck = null, bool OwedToPeer = false,
    string? Duplicate = null)
{
    /// <summary>This plan with one more step before the 250, after those already planned.</summary>
    public ReceivePlan ThenBeforeAck(Func<SpooledMessage, Task> step) => this with
    {
        BeforeAck = BeforeAck is { } first ? async message => { await first(message); await step(message); } : step,
    };
}
