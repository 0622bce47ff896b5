namespace TransportGuard.Tracking;

/// <summary>
/// What an operator asks the tracking log (docs/tracking.md, Queries), after Exchange's Get-MessageTrackingLog:
/// every filter given must match, within a time window (by default the hold time up to now), at most
/// <see cref="Limit"/> events, oldest first.
/// </summary>
/// <param name="QueueId">Events of this queue id, and of the queue ids linked to it on this node (a takeover's copy
/// and the shadow it copied, a resubmit and its original, a report and the message it reports), and of this node's
/// messages whose copy a peer holds under this id.</param>
internal sealed record TrackingQuery(string? MessageId = null, string? QueueId = null, string? Sender = null, string? Recipient = null,
    DateTimeOffset? Start = null, DateTimeOffset? End = null, int Limit = TrackingQuery.DefaultLimit)
{
    public const int DefaultLimit = 1000;
    public const int MaxLimit = 10_000;

    /// <summary>A time window alone could name every message of two days: one of these is required.</summary>
    public bool HasFilter => MessageId is not null || QueueId is not null || Sender is not null || Recipient is not null;

    /// <summary>A Message-ID as operators paste it, with or without its angle brackets.</summary>
    public static string? MessageIdOf(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim().TrimStart('<').TrimEnd('>');
}

/// <summary>The events found, oldest first; <paramref name="Truncated"/> when more matched than the limit.</summary>
internal sealed record TrackingResult(IReadOnlyList<TrackingEvent> Events, bool Truncated, DateTimeOffset Start, DateTimeOffset End);
