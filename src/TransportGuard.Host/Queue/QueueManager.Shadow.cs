using TransportGuard.Delivery;
using TransportGuard.Spool;

namespace TransportGuard.Queue;

/// <summary>What shadow redundancy (DESIGN.md section 3) asks of the queue: keep delivered messages someone still
/// needs an answer about, take over a dead primary's shadows, and hold recovered messages until fencing says.</summary>
public sealed partial class QueueManager
{
    /// <summary>Shadows already taken over (a copy names them), found at start: a crash between writing the copy
    /// and finishing the shadow must not make a second copy.</summary>
    private HashSet<ShadowRef> TakenOverAtRecovery() =>
        Spool.Index.Unordered.Select(m => m.Envelope.TakenOverFrom).OfType<ShadowRef>().Select(s => s with { Since = default }).ToHashSet();

    /// <summary>Indexes what a recovered message means for redundancy, before it is scheduled.</summary>
    private async Task RecoveredAsync(SpooledMessage message, MessageProgress progress, HashSet<ShadowRef> takenOver)
    {
        var envelope = message.Envelope;
        if ((envelope.ShadowOf ?? progress.Shadow) is { } shadow)
        {
            if (takenOver.Contains(shadow with { Since = default }))
                await Spool.MarkFinishedAsync(envelope.QueueId, "taken over before the restart");
            else
                _shadows.Add(shadow, envelope.QueueId);
        }
        if (PeerHolder(envelope, progress) is { } holder)
        {
            if (progress.AwaitingDiscard)
                _notices.Add(holder, envelope.QueueId);
            else if (_fenced.TryAdd(envelope.QueueId, holder)) // the holder may have taken it over while we were down
                FenceRequested?.Invoke(holder);
        }
    }

    /// <summary>
    /// Every recipient delivered. Usually that is the end (one Finished record); but a message a peer shadows stays
    /// until that peer acknowledges our discard notice, one we handed to a shadowing next hop stays as our shadow of
    /// it, and a copy we took over stays until its old primary asks (fencing) or the auto-discard interval ends.
    /// </summary>
    private async Task DeliveredAsync(SpooledEnvelope envelope, MessageProgress progress, List<RecipientResult> results)
    {
        var holder = PeerHolder(envelope, progress);
        var takenOver = envelope.TakenOverFrom is not null;
        var primary = takenOver ? null : results.Select(r => r.Primary).FirstOrDefault(p => p is not null);
        if (holder is null && primary is null && !takenOver)
        {
            await FinishAsync(envelope, progress.Outcomes.Values.Count(o => o.Status == RecipientStatus.Failed));
            return;
        }
        var now = _time.GetUtcNow();
        var outcomes = results.Select(r => new RecipientOutcome(r.Recipient, RecipientStatus.Delivered, r.Status, r.Diagnostic, r.RemoteMta, now)).ToList();
        var recorded = await Spool.RecordProgressAsync(envelope.QueueId, p => p.WithOutcomes(outcomes) with
        {
            NextAttemptAt = null,
            AwaitingDiscard = holder is not null || takenOver,
            Shadow = primary is null ? p.Shadow : primary with { Since = now },
        }, primary is not null ? $"delivered; shadowed for {primary.Primary}" : "delivered; kept until a peer's word");
        if (recorded is null)
            return;
        if (holder is not null)
            _notices.Add(holder, envelope.QueueId);
        if (primary is not null)
            _shadows.Add(recorded.Shadow!, envelope.QueueId);
        LogKept(envelope.QueueId, holder ?? "-", primary?.Primary ?? "-");
    }

    /// <summary>
    /// A hold on a delivered message ends: its primary discarded our shadow (<paramref name="shadowDiscarded"/>), or
    /// its holder acknowledged our discard notice. With neither left, the message is finished.
    /// </summary>
    public async Task ReleaseAsync(string queueId, bool shadowDiscarded, string reason)
    {
        if (!Spool.Index.TryGet(queueId, out var message))
            return;
        var progress = Spool.Index.Progress(queueId);
        var stillShadow = !shadowDiscarded && (progress.Shadow is not null || message.Envelope.ShadowOf is not null);
        var stillAwaiting = shadowDiscarded && progress.AwaitingDiscard;
        if (stillShadow || stillAwaiting)
            await Spool.RecordProgressAsync(queueId, p => shadowDiscarded ? p with { Shadow = null } : p with { AwaitingDiscard = false }, reason);
        else
            await Spool.MarkFinishedAsync(queueId, reason);
    }

    /// <summary>
    /// Takes over a shadow whose primary is down (DESIGN.md section 3): a copy under a new queue id (a new life never
    /// reuses an id), marked as taken over from the primary so the primary can be told later; then the shadow goes.
    /// The copy is delivered by its route, around the dead node.
    /// </summary>
    public async Task<string?> TakeOverAsync(string queueId)
    {
        if (!Spool.Index.TryGet(queueId, out var shadow) || (shadow.Envelope.ShadowOf ?? Spool.Index.Progress(queueId).Shadow) is not { } of)
            return null;
        var content = await Spool.ReadContentAsync(shadow.Envelope);
        var copy = shadow.Envelope with
        {
            QueueId = _ids.Next(), Chunks = [], ShadowOf = null, ShadowHolder = null, Bounce = null, TakenOverFrom = of,
        };
        await Spool.StoreAsync(copy, content, CancellationToken.None);
        await Spool.MarkFinishedAsync(queueId, $"taken over from {of.Primary} as {copy.QueueId}");
        return copy.QueueId;
    }

    /// <summary>Raised when messages a holder shadows were fenced because its heartbeats stopped reaching us.</summary>
    public event Action<string>? FenceRequested;

    /// <summary>
    /// A message a holder shadows is delivered only while that holder's heartbeats reach us; otherwise it may have
    /// taken the message over (we were frozen, or cut off): fence it and ask (DESIGN.md section 3).
    /// </summary>
    private bool LeaseExpired(SpooledEnvelope envelope)
    {
        if (LapsedHolder(envelope) is not { } holder)
            return false;
        _fenced[envelope.QueueId] = holder;
        FenceRequested?.Invoke(holder);
        return true;
    }

    private bool LeaseLapsed(SpooledEnvelope envelope) => LapsedHolder(envelope) is not null;

    /// <summary>The peer shadowing this message when its lease has lapsed; null when none does or the lease is fresh.</summary>
    private string? LapsedHolder(SpooledEnvelope envelope) =>
        PeerHolder(envelope, Spool.Index.Progress(envelope.QueueId)) is { } holder && !_leases.Fresh(holder) ? holder : null;

    /// <summary>The configured peer holding a shadow of this message, if any (a holder no longer configured is none).</summary>
    private string? PeerHolder(SpooledEnvelope envelope, MessageProgress progress) =>
        progress.HolderOf(envelope) is { } holder && _peers.ById(holder) is not null ? holder : null;

    /// <summary>Fenced messages by holder, for the fencing queries.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> FencedByHolder() =>
        _fenced.GroupBy(f => f.Value).ToDictionary(g => g.Key, g => (IReadOnlyList<string>)[.. g.Select(f => f.Key)]);

    /// <summary>
    /// The holder answered the question sent at <paramref name="askedAt"/> (or could not be reached in time,
    /// <paramref name="takenOver"/> null): drop what it took over, then restore (or waive) its lease, then deliver the
    /// rest. In that order: with the lease back first, a taken-over message could start out before it is dropped.
    /// </summary>
    public async Task ResolveFenceAsync(string holder, IReadOnlySet<string>? takenOver, long? askedAt)
    {
        // Whatever the holder took over goes, fenced or not: one being delivered right now is abandoned before its
        // final dot, since a finished message may no longer complete (see the jobs' MayComplete).
        foreach (var queueId in takenOver ?? new HashSet<string>())
        {
            if (Spool.Index.TryGet(queueId, out var message) && Spool.Index.Progress(queueId).HolderOf(message.Envelope) == holder)
            {
                _fenced.TryRemove(queueId, out _);
                await Spool.MarkFinishedAsync(queueId, $"taken over by {holder} while this node was unreachable");
            }
        }
        if (takenOver is not null && askedAt is { } asked)
            _leases.Restore(holder, asked);
        else
            _leases.Waive(holder);
        foreach (var (queueId, fencedFor) in _fenced.ToList())
        {
            if (fencedFor != holder || !_fenced.TryRemove(queueId, out _))
                continue;
            if (takenOver?.Contains(queueId) == true)
                await Spool.MarkFinishedAsync(queueId, $"taken over by {holder} while this node was down");
            else
                Schedule(queueId, Spool.Index.Progress(queueId));
        }
    }
}
