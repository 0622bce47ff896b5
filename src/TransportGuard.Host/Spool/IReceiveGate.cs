using TransportGuard.Smtp;

namespace TransportGuard.Spool;

/// <summary>
/// The store's seam between a message being durable here and its 250 (docs/architecture.md, Seams). A plug-in
/// annotates the envelope from what the session established (who holds a shadow of the message, whose shadow it
/// is) and may act before the 250: shadow before ack copies the message to a peer, or refuses it with
/// <see cref="MessageRefusedException"/>.
/// </summary>
internal interface IReceiveGate
{
    ReceivePlan Plan(SpooledEnvelope envelope, MessageEnvelope received);
}

/// <summary>The envelope to commit, and what to do once it is durable, before the 250 (null: nothing).</summary>
internal sealed record ReceivePlan(SpooledEnvelope Envelope, Func<SpooledMessage, Task>? BeforeAck = null);

/// <summary>A node without plug-ins: durable here is all there is before the 250.</summary>
internal sealed class OpenReceiveGate : IReceiveGate
{
    public ReceivePlan Plan(SpooledEnvelope envelope, MessageEnvelope received) => new(envelope);
}
