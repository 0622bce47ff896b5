using TransportGuard.Delivery.Routing;
using TransportGuard.Spool;

namespace TransportGuard.Delivery;

/// <summary>
/// One message's recipients that share a route and destination: the unit a delivery agent handles in one
/// transaction. A message with recipients on several routes is split into one job per route (issue 5).
/// </summary>
public sealed record DeliveryJob(SpooledMessage Message, Route Route, string Destination, IReadOnlyList<SpooledRecipient> Recipients)
{
    public SpooledEnvelope Envelope => Message.Envelope;
    public string QueueId => Message.Envelope.QueueId;
}

/// <summary>Delivers jobs for one kind of route. Returns an outcome for every recipient of the job; throws only for
/// the unexpected (which the queue treats as a deferral of the whole job).</summary>
public interface IDeliveryAgent
{
    Task<IReadOnlyList<RecipientResult>> DeliverAsync(DeliveryJob job, CancellationToken cancellationToken);
}
