using TransportGuard.Spool;

namespace TransportGuard.Queue;

/// <summary>
/// The queue's gate (docs/architecture.md, Seams): asked before an attempt starts and again just before its point
/// of no return (the final dot, BDAT LAST, the Maildir rename). Shadow redundancy's leases and takeover fencing
/// answer here: a message its shadow holder may have taken over is held back until the holder says.
/// </summary>
internal interface IDeliveryGate
{
    /// <summary>False parks the message: the gate raises <see cref="Reopened"/> when it may go again.</summary>
    bool MayStart(SpooledMessage message);

    /// <summary>False abandons the transfer before the next hop could accept it.</summary>
    bool MayComplete(SpooledMessage message);

    /// <summary>A message this gate parked may be scheduled again (its queue id).</summary>
    event Action<string>? Reopened;
}
