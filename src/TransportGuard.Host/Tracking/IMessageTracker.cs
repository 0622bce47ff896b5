namespace TransportGuard.Tracking;

/// <summary>
/// Message tracking's seam (docs/tracking.md): every stage tells it what happened to a message, as Exchange's
/// message tracking log and Postfix's mail log serve operators. Recording never blocks and never fails the caller:
/// tracking is not part of the durability promise, the spool is.
/// </summary>
internal interface IMessageTracker
{
    void Record(TrackingEvent trackingEvent);
}

/// <summary>Tracking off (Tracking:Enabled false), and for tests that do not look at it.</summary>
internal sealed class NoMessageTracker : IMessageTracker
{
    public static readonly NoMessageTracker Instance = new();

    public void Record(TrackingEvent trackingEvent)
    {
    }
}
