using TransportGuard.Smtp;
using TransportGuard.Spool;

namespace TransportGuard.Shadow;

/// <summary>
/// Shadow redundancy at the store's receive gate (docs/protocol.md): a message sent with XSHADOWOF is a shadow we
/// hold for its primary; one relayed by a peer that said XSHADOW is shadowed by that peer; any other may be copied to
/// a peer before the 250 (shadow before ack).
/// </summary>
internal sealed class ShadowReceiveGate(ShadowCopier copier) : IReceiveGate
{
    public ValueTask<ReceivePlan> PlanAsync(ReceivePlan plan, MessageEnvelope received, CancellationToken cancellationToken)
    {
        // A copy is a shadow, never a message someone shadows for us.
        var copy = received.MailParameters.Contains(ShadowExtension.ShadowOfParameter);
        var holder = copy ? null : received.SessionItems?.GetValueOrDefault(ShadowExtension.HolderItem);
        var envelope = plan.Envelope with { ShadowOf = ShadowExtension.ShadowCopyOf(received), ShadowHolder = holder };
        // A shadow copy, or mail a peer relayed keeping its shadow: that peer waits for our discard notice.
        plan = plan with { Envelope = envelope, OwedToPeer = copy || holder is not null };
        return ValueTask.FromResult(copier.PlanHolder(envelope) is { } planned
            ? plan.ThenBeforeAck(message => copier.ProtectAsync(message, planned)) with { Envelope = envelope with { ShadowHolder = planned } }
            : plan);
    }
}
