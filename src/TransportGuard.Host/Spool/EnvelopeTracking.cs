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
        MessageId = MessageIdOf(envelope.Identity),
        Sender = envelope.ReversePath,
        Recipients = [.. recipients ?? envelope.Recipients.Select(r => r.Address)],
    };

    /// <summary>The Message-ID the identity was made from (docs/dedup.md: "m:" and the id without its brackets);
    /// null for a message without one, known by a hash of its header.</summary>
    public static string? MessageIdOf(ContentIdentity? identity) =>
        identity?.Id is ['m', ':', .. var id] ? id : null;
}
