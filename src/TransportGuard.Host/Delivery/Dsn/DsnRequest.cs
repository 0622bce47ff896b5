namespace TransportGuard.Delivery.Dsn;

/// <summary>One recipient a report covers.</summary>
/// <param name="Action">"failed" or "delayed" (RFC 3464 2.3.3).</param>
/// <param name="Status">The enhanced status code (RFC 3463), e.g. 5.1.1.</param>
/// <param name="Diagnostic">What the next hop said, or our own reason.</param>
internal sealed record DsnRecipient(string Address, string Action, string Status, string Diagnostic, string? RemoteMta);

/// <summary>What a delivery status notification is built from.</summary>
/// <param name="ReversePath">The original envelope sender, to whom the report goes.</param>
/// <param name="OriginalHeaders">The original's header block as received (possibly cut short).</param>
internal sealed record DsnRequest(
    string ReportingMta,
    string ReversePath,
    string OriginalQueueId,
    DateTimeOffset ArrivalDate,
    DateTimeOffset Now,
    IReadOnlyList<DsnRecipient> Recipients,
    ReadOnlyMemory<byte> OriginalHeaders);
