namespace TransportGuard.Spool;

/// <summary>
/// What must happen between a message being durable here and its 250: shadow redundancy's copy to a peer
/// (DESIGN.md section 3, shadow before ack). Throws <see cref="Smtp.MessageRefusedException"/> to refuse the message.
/// </summary>
public interface IRedundancyGate
{
    /// <summary>The peer that should hold this message's shadow, written into the envelope with the commit (so the
    /// common case needs no record of its own); null when no copy is wanted.</summary>
    string? PlanHolder(SpooledEnvelope envelope);

    /// <summary>Makes the copy (to the planned holder first); records another holder, or none, if that one fails.</summary>
    Task ProtectAsync(SpooledMessage message, string plannedHolder);
}
