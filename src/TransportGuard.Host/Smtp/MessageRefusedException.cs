using TransportGuard.Smtp.Protocol;

namespace TransportGuard.Smtp;

/// <summary>A sink refuses a message after its data with a reply of its own (e.g. 451 4.4.0 when it could not be
/// made redundant); the session answers with it instead of 250.</summary>
internal sealed class MessageRefusedException(SmtpReply reply) : Exception(reply.ToString())
{
    public SmtpReply Reply { get; } = reply;
}
