using TransportGuard.Delivery;
using TransportGuard.Spool;

namespace TransportGuard.Queue;

/// <summary>
/// An observer of the queue's outcomes that may keep a delivered message in the spool (docs/architecture.md,
/// Seams): a primary keeps what a peer shadows until that peer acknowledges the discard notice, a shadow holder
/// keeps what it handed to a primary. Without a keeper that asks, a delivered message is finished.
/// </summary>
internal interface IMessageKeeper
{
    /// <summary>Every recipient was delivered by <paramref name="results"/>: null to let the message go, or what
    /// to record with the outcomes (in the same record, so a crash cannot split them).</summary>
    KeepRequest? Keep(SpooledMessage message, MessageProgress progress, IReadOnlyList<RecipientResult> results);
}

/// <param name="Apply">The change to the message's progress that keeps it.</param>
/// <param name="Reason">For the spool's record.</param>
/// <param name="Kept">Called once the record is durable, with what was recorded.</param>
internal sealed record KeepRequest(Func<MessageProgress, MessageProgress> Apply, string Reason, Action<MessageProgress> Kept);
