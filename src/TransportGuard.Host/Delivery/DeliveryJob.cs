using TransportGuard.Delivery.Routing;
using TransportGuard.Spool;

namespace TransportGuard.Delivery;

/// <summary>
/// One message's recipients that share a route and destination: the unit a delivery agent handles in one
/// transaction. A message with recipients on several routes is split into one job per route (issue 5).
/// </summary>
/// <param name="MayComplete">Asked just before the point of no return (the final dot, BDAT LAST, the Maildir rename):
/// false aborts the transfer, so the next hop never completes it (takeover fencing, docs/protocol.md).</param>
/// <param name="ExtraMailParameters">MAIL parameters beyond SIZE/BODY/SMTPUTF8 (XSHADOWOF for a shadow copy).</param>
internal sealed record DeliveryJob(SpooledMessage Message, Route Route, string Destination, IReadOnlyList<SpooledRecipient> Recipients,
    Func<bool>? MayComplete = null, string? ExtraMailParameters = null)
{
    /// <summary>Throws <see cref="DeliveryFencedException"/> when the job may no longer complete.</summary>
    public void EnsureMayComplete()
    {
        if (MayComplete?.Invoke() == false)
            throw new DeliveryFencedException();
    }

    public SpooledEnvelope Envelope => Message.Envelope;
    public string QueueId => Message.Envelope.QueueId;
}

/// <summary>The message may have been taken over by its shadow holder while this delivery ran: it was abandoned
/// before the next hop could accept it.</summary>
internal sealed class DeliveryFencedException() : Exception("delivery abandoned before completion: the shadow holder's lease lapsed");

/// <summary>Delivers jobs for one kind of route. Returns an outcome for every recipient of the job; throws only for
/// the unexpected (which the queue treats as a deferral of the whole job).</summary>
internal interface IDeliveryAgent
{
    Task<IReadOnlyList<RecipientResult>> DeliverAsync(DeliveryJob job, CancellationToken cancellationToken);
}
