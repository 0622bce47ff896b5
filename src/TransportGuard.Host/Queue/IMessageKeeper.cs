using TransportGuard.Delivery;
using TransportGuard.Spool;

namespace TransportGuard.Queue;

/// <summary>
/// An observer of every message's terminal outcome (all delivered, partly or wholly failed, expired, deleted,
/// handed over by a drain) that may keep the message in the spool (docs/architecture.md, Seams): a primary keeps
/// what a peer shadows until that peer acknowledges the discard notice, a shadow holder keeps what it handed to a
/// primary. Without a keeper that asks, the message is finished.
/// </summary>
internal interface IMessageKeeper
{
    /// <summary>The message has ended (<paramref name="results"/>: the attempt that ended it, if one did): null to
    /// let it go, or what to record to keep it (with the attempt's outcomes, in one record, so a crash cannot split
    /// them).</summary>
    KeepRequest? Keep(SpooledMessage message, MessageProgress progress, IReadOnlyList<RecipientResult> results);
}

/// <param name="Apply">The change to the message's progress that keeps it.</param>
/// <param name="Reason">For the spool's record.</param>
/// <param name="Kept">Called once the record is durable, with what was recorded.</param>
internal sealed record KeepRequest(Func<MessageProgress, MessageProgress> Apply, string Reason, Action<MessageProgress> Kept);
