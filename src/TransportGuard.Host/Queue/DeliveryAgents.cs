using TransportGuard.Delivery;
using TransportGuard.Delivery.Maildir;
using TransportGuard.Delivery.Routing;
using TransportGuard.Delivery.Smtp;

namespace TransportGuard.Queue;

/// <summary>The agent for each kind of route.</summary>
internal sealed class DeliveryAgents(MaildirDelivery maildir, SmtpDelivery smtp)
{
    public IDeliveryAgent For(Route route) => route is MaildirRoute ? maildir : smtp;
}
