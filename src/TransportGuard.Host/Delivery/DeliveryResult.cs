using TransportGuard.Smtp.Protocol;

namespace TransportGuard.Delivery;

internal enum DeliveryOutcome
{
    Delivered,
    /// <summary>Transient (4xx, connection trouble): tried again later.</summary>
    Deferred,
    /// <summary>Permanent (5xx or a rule of ours): reported to the sender.</summary>
    Failed,
}

/// <summary>What happened to one recipient in one attempt, with what the next hop said (docs/architecture.md, Conventions 5).</summary>
/// <param name="Primary">Set when the next hop took the message as a primary that we shadow (XSHADOW): its node
/// id and its queue id, which its discard notice will name.</param>
/// <param name="DuplicateOf">Set when the recipient already had the message and it was not sent again: the original
/// delivery (docs/dedup.md).</param>
/// <param name="Handoff">The next hop is one of our peers (it offered XSHADOW), with or without taking our shadow: it
/// took the message on, it did not deliver it, and a takeover of its copy may bring it back (docs/dedup.md).</param>
/// <param name="Route">The route spec and <paramref name="Destination"/> of the job that sent it; set by the queue.</param>
internal sealed record RecipientResult(string Recipient, DeliveryOutcome Outcome, string Status, string Diagnostic, string? RemoteMta,
    Spool.ShadowRef? Primary = null, string? DuplicateOf = null, bool Handoff = false, string? Route = null, string? Destination = null)
{
    /// <summary>The final outcome this result records; route and destination only for a delivery of our own (the
    /// Safety Net retains those; a peer that took the message retains it itself, docs/safetynet.md).</summary>
    public Spool.RecipientOutcome ToOutcome(DateTimeOffset at)
    {
        var own = Outcome == DeliveryOutcome.Delivered && Primary is null && !Handoff && DuplicateOf is null;
        return new(Recipient, Outcome == DeliveryOutcome.Delivered ? Spool.RecipientStatus.Delivered : Spool.RecipientStatus.Failed,
            Status, Diagnostic, RemoteMta, at, own ? Route : null, own ? Destination : null);
    }

    /// <summary>From a next hop's reply: its enhanced code when it gave one, else the class's generic one (RFC 3463).</summary>
    public static RecipientResult FromReply(string recipient, SmtpReply reply, string remoteMta)
    {
        var outcome = reply.IsPositive ? DeliveryOutcome.Delivered : reply.IsTransient ? DeliveryOutcome.Deferred : DeliveryOutcome.Failed;
        var status = reply.Enhanced ?? $"{reply.Code / 100}.0.0";
        return new RecipientResult(recipient, outcome, status, reply.ToString().Replace("\r\n", " ", StringComparison.Ordinal), remoteMta);
    }

    public static RecipientResult Defer(string recipient, string status, string reason, string? remoteMta = null) =>
        new(recipient, DeliveryOutcome.Deferred, status, reason, remoteMta);

    public static RecipientResult Fail(string recipient, string status, string reason, string? remoteMta = null) =>
        new(recipient, DeliveryOutcome.Failed, status, reason, remoteMta);
}
