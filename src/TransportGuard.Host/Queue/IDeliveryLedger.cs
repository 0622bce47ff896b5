using TransportGuard.Delivery;

namespace TransportGuard.Queue;

/// <summary>
/// The queue's memory of deliveries (docs/architecture.md, Seams; docs/dedup.md): asked before each job which of
/// its recipients already have the message at its destination (a takeover copy, a resubmit, a sender's retry: they
/// are not sent again), and told what the next hop accepted as soon as its reply is read, before anything else.
/// </summary>
internal interface IDeliveryLedger
{
    /// <summary>Results for the job's recipients that must not be sent now: delivered before (outcome Delivered,
    /// with <see cref="RecipientResult.DuplicateOf"/>), or deferred while another delivery of the same message to
    /// them is under way. Never throws: a ledger that cannot answer lets the job go (at least once).</summary>
    Task<IReadOnlyList<RecipientResult>> BeforeAsync(DeliveryJob job, CancellationToken cancellationToken);

    /// <summary>The job's results, each recipient's once: those delivered are remembered. Never throws.</summary>
    Task AfterAsync(DeliveryJob job, IReadOnlyList<RecipientResult> results);
}

/// <summary>A node without duplicate detection: every job goes, nothing is remembered.</summary>
internal sealed class NoDeliveryLedger : IDeliveryLedger
{
    public Task<IReadOnlyList<RecipientResult>> BeforeAsync(DeliveryJob job, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<RecipientResult>>([]);

    public Task AfterAsync(DeliveryJob job, IReadOnlyList<RecipientResult> results) => Task.CompletedTask;
}
