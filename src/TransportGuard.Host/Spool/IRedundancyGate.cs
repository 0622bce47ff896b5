namespace TransportGuard.Spool;

/// <summary>
/// What must happen between a message being durable here and its 250: shadow redundancy's copy to a peer
/// (DESIGN.md section 3, shadow before ack). Throws <see cref="Smtp.MessageRefusedException"/> to refuse the message.
/// </summary>
public interface IRedundancyGate
{
    Task ProtectAsync(SpooledMessage message);
}
