using FsCheck;
using FsCheck.Fluent;
using Microsoft.Extensions.Time.Testing;
using TransportGuard.Shadow;

namespace TransportGuard.Tests.Shadow;

/// <summary>
/// A model of one primary and one holder driven through the real <see cref="DiscardNotices"/> and
/// <see cref="HeartbeatLoop"/> under random messages, deliveries, primary crashes, partitions and lost replies
/// (docs/protocol.md). Whatever the order: no acknowledged message is lost, and once the network heals no shadow
/// is left of a message its primary delivered (discarded, or past the auto-discard interval at the latest).
/// </summary>
public sealed class ShadowProtocolModelTests
{
    private sealed class Model : IHeartbeatTransport, IHeartbeatListener
    {
        public readonly DiscardNotices Notices = new();
        public readonly HashSet<string> Queued = [];          // primary: acknowledged, not yet delivered
        public readonly HashSet<string> Awaiting = [];        // primary: delivered, discard notice owed
        public readonly HashSet<string> Shadows = [];         // holder
        public readonly HashSet<string> TakenOver = [];       // holder: copies it must deliver
        public readonly HashSet<string> Told = [];            // holder: taken over, kept for the primary's question
        public readonly List<string> Acknowledged = [];
        public readonly List<string> DeliveredByPrimary = [];
        public readonly List<string> Delivered = [];
        public bool PrimaryUp = true, Partitioned, LoseReplies;
        public int Takeovers;

        public Task<DiscardReply> QueryAsync(long ack, CancellationToken cancellationToken)
        {
            if (!PrimaryUp || Partitioned)
                throw new IOException("no answer");
            var (acknowledged, _, token, batch) = Notices.Query("holder", ack);
            foreach (var id in acknowledged)
                Awaiting.Remove(id); // the primary forgets what the holder confirmed
            if (LoseReplies)
                throw new IOException("reply lost"); // processed at the primary, never seen by the holder
            return Task.FromResult(new DiscardReply("incarnation", token, batch));
        }

        public Task DiscardAsync(string primary, IReadOnlyList<string> primaryQueueIds)
        {
            foreach (var id in primaryQueueIds)
                Shadows.Remove(id);
            return Task.CompletedTask;
        }

        public Task TakeOverAsync(string primary, string reason)
        {
            Takeovers++;
            TakenOver.UnionWith(Shadows);
            Told.UnionWith(Shadows);
            Shadows.Clear();
            return Task.CompletedTask;
        }

        public void Beat(string primary, TimeSpan roundTrip, bool failed) { }
        public void Faulted(string primary, Exception exception) => throw exception;
        public ValueTask ResetAsync() => ValueTask.CompletedTask;
        public ValueTask DisposeAsync() => ValueTask.CompletedTask;

        /// <summary>The primary restarts: what the holder took over is dropped (fencing), the rest stays queued.</summary>
        public void Restart()
        {
            PrimaryUp = true;
            Queued.ExceptWith(Told);
            Told.Clear();
        }

        public void PrimaryDelivers(string id)
        {
            Queued.Remove(id);
            Delivered.Add(id);
            DeliveredByPrimary.Add(id);
            Awaiting.Add(id);
            Notices.Add("holder", id);
        }
    }

    [FsCheck.Xunit.Property(MaxTest = 300)]
    public async Task<bool> No_acknowledged_message_is_lost_and_no_shadow_of_a_delivered_message_outlives_the_healing(PositiveInt seed)
    {
        var random = new Random(seed.Get);
        var model = new Model();
        var options = new ShadowOptions { ShadowHeartbeatFrequency = TimeSpan.FromMilliseconds(300), ShadowHeartbeatRetryCount = 3 };
        var loop = new HeartbeatLoop("primary", model, model, options, new FakeTimeProvider());
        var next = 0;
        var steps = random.Next(5, 80);
        for (var step = 0; step < steps; step++)
        {
            switch (random.Next(9))
            {
                case 0 or 1 when model.PrimaryUp: // a client gets 250 only with the shadow in place (before ack or on handoff)
                    var id = $"m{next++}";
                    model.Queued.Add(id);
                    model.Shadows.Add(id);
                    model.Acknowledged.Add(id);
                    break;
                case 2 when model.PrimaryUp && model.Queued.Count > 0 && !model.Partitioned:
                    model.PrimaryDelivers(model.Queued.First());
                    break;
                case 3 or 4:
                    await loop.BeatAsync(CancellationToken.None);
                    break;
                case 5:
                    if (model.PrimaryUp)
                        model.PrimaryUp = false; // crash: its queue stays on disk
                    else
                        model.Restart();
                    break;
                case 6:
                    model.Partitioned = !model.Partitioned;
                    break;
                case 7:
                    model.LoseReplies = !model.LoseReplies;
                    break;
                case 8 when model.TakenOver.Count > 0:
                    var taken = model.TakenOver.First();
                    model.TakenOver.Remove(taken);
                    model.Delivered.Add(taken);
                    break;
            }
        }

        // Heal: the primary is back (fenced by what the holder says), the network works, everything drains.
        if (!model.PrimaryUp)
            model.Restart();
        (model.Partitioned, model.LoseReplies) = (false, false);
        foreach (var taken in model.TakenOver.ToList())
            model.Delivered.Add(taken);
        model.TakenOver.Clear();
        foreach (var queued in model.Queued.ToList())
            model.PrimaryDelivers(queued);
        for (var beat = 0; beat < 4; beat++)
            await loop.BeatAsync(CancellationToken.None);

        var lost = model.Acknowledged.Except(model.Delivered).ToList();
        var lingering = model.Shadows.Intersect(model.DeliveredByPrimary).ToList();
        return lost.Count == 0 && lingering.Count == 0 && model.Awaiting.Count == 0;
    }
}
