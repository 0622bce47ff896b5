using TransportGuard.Smtp.Protocol;
using TransportGuard.Spool;
using TransportGuard.Tracking;

namespace TransportGuard.SafetyNet;

/// <summary>
/// Which kept deliveries a resubmit request takes, after Exchange's Add-ResubmitRequest: those made within
/// [<paramref name="Start"/>, <paramref name="End"/>], to a destination (a route spec, a destination such as a
/// mailbox server's HOST:PORT, or the recipients' domain) or by sender, recipient or Message-ID. A failover's
/// request leaves out what already went to the new active (<paramref name="ExceptDestination"/>).
/// </summary>
internal sealed record ResubmitFilter(DateTimeOffset Start, DateTimeOffset End, string? Destination = null, string? Sender = null,
    string? Recipient = null, string? MessageId = null, string? ExceptDestination = null)
{
    // Addresses and Message-IDs as operators paste them, with or without angle brackets: stripped once, here.
    public string? Sender { get; init; } = Sender?.Trim().Trim('<', '>');
    public string? Recipient { get; init; } = Recipient?.Trim().Trim('<', '>');
    public string? MessageId { get; init; } = TrackingQuery.MessageIdOf(MessageId);

    public bool HasCriterion => Destination is not null || Sender is not null || Recipient is not null || MessageId is not null;

    public bool Matches(SpooledEnvelope envelope, RecipientOutcome delivery) =>
        delivery.IsOwnDelivery && delivery.At >= Start && delivery.At <= End
        && (Destination is null || Same(Destination, delivery.Route) || Same(Destination, delivery.Destination)
            || Same(Destination, MailboxSyntax.DomainOf(delivery.Recipient)))
        && (ExceptDestination is null || !Same(ExceptDestination, delivery.Destination))
        && (Sender is null || Same(Sender, envelope.ReversePath))
        && (Recipient is null || Same(Recipient, delivery.Recipient))
        && (MessageId is null || envelope.Identity?.MessageId == MessageId);

    private static bool Same(string wanted, string? value) => value is not null && wanted.Equals(value, StringComparison.OrdinalIgnoreCase);
}
