namespace TransportGuard.Queue;

/// <summary>
/// Run once when the queue starts, after the spool's recovery and before any recovered message is scheduled
/// (docs/architecture.md, Seams): a plug-in rebuilds its own indexes from the store, and may finish or park
/// messages (a shadow already taken over, a message its holder must be asked about first).
/// </summary>
internal interface IRecoveryHook
{
    Task RecoverAsync(CancellationToken cancellationToken);
}
