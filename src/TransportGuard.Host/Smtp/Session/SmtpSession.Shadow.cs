using TransportGuard.Spool;

namespace TransportGuard.Smtp.Session;

/// <summary>What the inter-node extension (DESIGN.md section 3) means for a message received in this session.</summary>
public sealed partial class SmtpSession
{
    /// <summary>The MAIL parameter a primary sends a shadow copy with: XSHADOWOF=primary-node:primary-queue-id.</summary>
    public const string ShadowOfParameter = "XSHADOWOF";

    /// <summary>A peer that said XSHADOW keeps a shadow of what it relays to us: we are that message's primary.</summary>
    private string? ShadowHolderOf(Transaction transaction) =>
        transaction.Parameters.Contains(ShadowOfParameter) ? null : _items.GetValueOrDefault(SmtpSessionItems.ShadowHolder);

    /// <summary>A copy sent with XSHADOWOF is a shadow we hold for its primary, not mail for us to deliver.</summary>
    private static ShadowRef? ShadowCopyOf(Transaction transaction, DateTimeOffset now)
    {
        var value = transaction.Parameters[ShadowOfParameter];
        var colon = value?.LastIndexOf(':') ?? -1;
        return colon > 0 ? new ShadowRef(value![..colon], value[(colon + 1)..], now) : null;
    }
}
