namespace TransportGuard.Tracking;

/// <summary>What happened to a message at one step on this node (docs/tracking.md, Events).</summary>
internal enum TrackingEventKind
{
    /// <summary>Answered 250 and queued: from whom (client address, HELO), sender, recipients, size.</summary>
    Receive,
    /// <summary>A shadow copy exists: made on a peer before our 250, taken from a primary (XSHADOWOF), or kept here
    /// once a peer took the message as its primary (docs/protocol.md).</summary>
    Shadow,
    /// <summary>The next hop accepted these recipients: its host and its reply.</summary>
    Deliver,
    /// <summary>The next hop (or we) said not now: tried again later.</summary>
    Defer,
    /// <summary>The next hop refused these recipients for good: they go back to the sender.</summary>
    Fail,
    /// <summary>A delivery status notification was queued; the related queue id is the report's.</summary>
    Bounce,
    /// <summary>Not delivered again: the destination already has it (docs/dedup.md), or a sender's retry answered
    /// 250 without queuing.</summary>
    Duplicate,
    /// <summary>A shadow of a primary that went down became our own message, under a new queue id.</summary>
    TakeOver,
    /// <summary>A Safety Net resubmit made a new copy of a delivered message; the request id says which request.</summary>
    Resubmit,
    /// <summary>Given up after the queue lifetime (RFC 5321 4.5.4.1).</summary>
    Expire,
    /// <summary>An operator deleted it (with or without a report to the sender).</summary>
    Delete,
    /// <summary>A drain handed it to a peer, which now owns it.</summary>
    HandOver,
    /// <summary>It left the spool; the detail says why.</summary>
    Finish,
}

/// <summary>
/// One step of one message, as the tracking log keeps it: a JSON line (docs/tracking.md). Only what the step knows is
/// set; the rest stays null and is not written. <see cref="At"/> is stamped by the tracker when left unset.
/// </summary>
internal sealed record TrackingEvent
{
    public DateTimeOffset At { get; init; }

    public required TrackingEventKind Event { get; init; }

    public required string QueueId { get; init; }

    /// <summary>The Message-ID header field's value without its angle brackets, when the message has one.</summary>
    public string? MessageId { get; init; }

    /// <summary>The envelope sender; empty for the null sender (a report).</summary>
    public string? Sender { get; init; }

    /// <summary>The recipients the step is about: all of them on receipt, a delivery's group on a delivery.</summary>
    public IReadOnlyList<string>? Recipients { get; init; }

    /// <summary>The SMTP client's address, on receipt.</summary>
    public string? Client { get; init; }

    public string? Helo { get; init; }

    public long? Size { get; init; }

    /// <summary>The next hop (its name and address, or the route) a delivery went to.</summary>
    public string? Host { get; init; }

    /// <summary>The enhanced status code (RFC 3463) of the outcome.</summary>
    public string? Status { get; init; }

    /// <summary>What the next hop said, or why we decided as we did.</summary>
    public string? Reply { get; init; }

    /// <summary>The peer node the step involved: the shadow holder, the primary, the drain's target.</summary>
    public string? Peer { get; init; }

    /// <summary>The message's queue id on <see cref="Peer"/>, when known.</summary>
    public string? PeerQueueId { get; init; }

    /// <summary>Another queue id of this node the step links to: the shadow a takeover copied, the message a
    /// resubmit copied, the report a bounce queued. A query by either id finds both.</summary>
    public string? RelatedQueueId { get; init; }

    /// <summary>The Safety Net resubmit request that made this copy.</summary>
    public string? RequestId { get; init; }

    public string? Detail { get; init; }

    /// <summary>A Safety Net resubmit's copy (docs/tracking.md): recorded by the Safety Net when it stores one.</summary>
    public static TrackingEvent Resubmitted(string queueId, string originalQueueId, string requestId, string sender,
        IReadOnlyList<string> recipients, string? messageId) => new()
    {
        Event = TrackingEventKind.Resubmit, QueueId = queueId, RelatedQueueId = originalQueueId, RequestId = requestId,
        Sender = sender, Recipients = recipients, MessageId = messageId,
    };
}
