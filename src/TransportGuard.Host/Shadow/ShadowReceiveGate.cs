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
    public ReceivePlan Plan(SpooledEnvelope envelope, MessageEnvelope received)
    {
        // A copy is a shadow, never a message someone shadows for us.
        var copy = received.MailParameters.Contains(ShadowExtension.ShadowOfParameter);
        envelope = envelope with
        {
            ShadowOf = ShadowExtension.ShadowCopyOf(received),
            ShadowHolder = copy ? null : received.SessionItems?.GetValueOrDefault(ShadowExtension.HolderItem),
        };
        return copier.PlanHolder(envelope) is { } planned
            ? new ReceivePlan(envelope with { ShadowHolder = planned }, message => copier.ProtectAsync(message, planned))
            : new ReceivePlan(envelope);
    }
}
