using TransportGuard.Tracking;

namespace TransportGuard.Spool;

/// <summary>What every tracking event says of the message it is about (docs/tracking.md): its queue id, Message-ID,
/// sender and recipients, from the spooled envelope.</summary>
internal static class EnvelopeTracking
{
    public static TrackingEvent Tracked(this SpooledEnvelope envelope, TrackingEventKind kind, IEnumerable<string>? recipients = null) => new()
    {
        Event = kind,
        QueueId = envelope.QueueId,
        MessageId = envelope.Identity?.MessageId,
        Sender = envelope.ReversePath,
        Recipients = [.. recipients ?? envelope.Recipients.Select(r => r.Address)],
    };
}
