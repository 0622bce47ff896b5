using TransportGuard.Spool;

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
    public bool HasCriterion => Destination is not null || Sender is not null || Recipient is not null || MessageId is not null;

    public bool Matches(SpooledEnvelope envelope, RecipientOutcome delivery) =>
        delivery.IsOwnDelivery && delivery.At >= Start && delivery.At <= End
        && (Destination is null || Same(Destination, delivery.Route) || Same(Destination, delivery.Destination)
            || Same(Destination, DomainOf(delivery.Recipient)))
        && (ExceptDestination is null || !Same(ExceptDestination, delivery.Destination))
        && (Sender is null || Same(Sender.Trim('<', '>'), envelope.ReversePath))
        && (Recipient is null || Same(Recipient.Trim('<', '>'), delivery.Recipient))
        && (MessageId is null || MessageIdOf(envelope) == MessageId.Trim().Trim('<', '>'));

    /// <summary>The Message-ID a message was identified by (docs/dedup.md), without its angle brackets; null when it has none.</summary>
    public static string? MessageIdOf(SpooledEnvelope envelope) =>
        envelope.Identity?.Id is { } id && id.StartsWith("m:", StringComparison.Ordinal) ? id[2..] : null;

    private static string DomainOf(string address) => address[(address.LastIndexOf('@') + 1)..];

    private static bool Same(string wanted, string? value) => value is not null && wanted.Equals(value, StringComparison.OrdinalIgnoreCase);
}
