using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using TransportGuard.SafetyNet;
using TransportGuard.Tests.Support;

namespace TransportGuard.Tests.SafetyNet;

/// <summary>
/// Issue 15: random interleavings of delivery, mailbox cluster failover, Safety Net resubmit and shadow takeover on
/// one real gateway (<see cref="InterleavingHarness"/>), delivering a cluster route to two mailbox servers over real
/// sockets. Whatever the order: each (Message-ID, recipient) sent reaches a mailbox at least once; while the
/// duplicate store answers, no mailbox gets one twice (docs/dedup.md: the key names the destination, a cluster
/// route's active server); and the route's active server ends up with all of it, which is what a failover's
/// resubmit is for (docs/safetynet.md, Mailbox clusters: the old active may have lost what it took).
/// </summary>
public sealed class DeliveryInterleavingPropertyTests
{
    private static readonly string[] Mailboxes = InterleavingHarness.Mailboxes;

    /// <summary>The mailbox servers' delay between taking a message and its 250 in a slow case.</summary>
    private static readonly TimeSpan SlowReply = TimeSpan.FromMilliseconds(300);

    /// <summary>Comfortably past <see cref="SlowReply"/> on a loaded 2-core machine: a delivery in flight at a move
    /// has its record by then, so the second look finds it.</summary>
    private static readonly TimeSpan SecondLook = TimeSpan.FromSeconds(1);

    private abstract record Op;

    /// <summary>Messages sent over SMTP, each to one or two recipients on the cluster route.</summary>
    private sealed record Send(string[][] Messages) : Op
    {
        public override string ToString() => $"Send({string.Join(" ", Messages.Select(m => "[" + string.Join(",", m.Select(r => r[..2])) + "]"))})";
    }

    /// <summary>The route moves to the other server: at once, or (<paramref name="MidDelivery"/> = n) when the
    /// active has taken its (n+1)-th message from now and not yet answered 250 for it, if that comes within a second.</summary>
    private sealed record Failover(int? MidDelivery) : Op
    {
        public override string ToString() => MidDelivery is { } n ? $"Failover(mid-delivery {n + 1})" : "Failover";
    }

    private enum By
    {
        Destination,
        Recipient,
        MessageId,
    }

    /// <summary>An operator's resubmit request over everything since the case began: by the route, one recipient or
    /// one sent message's Message-ID (<paramref name="Pick"/> chooses which).</summary>
    private sealed record Resubmit(By By, int Pick) : Op
    {
        public override string ToString() => $"Resubmit({By} #{Pick})";
    }

    /// <summary>A shadow of a sent message (delivered or still queued), held for a peer that died, is taken over.</summary>
    private sealed record Takeover(int Pick) : Op
    {
        public override string ToString() => $"Takeover(#{Pick})";
    }

    /// <summary>Let the queue drain.</summary>
    private sealed record Drain : Op
    {
        public override string ToString() => "Drain";
    }

    /// <summary>Let deliveries and retries move on for a while, so the next step lands elsewhere among them.</summary>
    private sealed record Pause(int Milliseconds) : Op
    {
        public override string ToString() => $"Pause({Milliseconds})";
    }

    /// <param name="Slow">The mailbox servers answer the end of data <see cref="SlowReply"/> after they took the
    /// message: deliveries are at the next hop while their 250 is on the way (the window the failover's second look
    /// is for).</param>
    /// <param name="Busy">The mailbox servers defer every other RCPT for r3, so a message's recipients are delivered
    /// in different attempts.</param>
    private sealed record Case(DuplicateStore Store, bool Slow, bool Busy, Op[] Ops)
    {
        public override string ToString() =>
            $"{Store}{(Slow ? ", slow" : "")}{(Busy ? ", busy" : "")}: {string.Join(", ", Ops.Select(o => o.ToString()))}";
    }

    private static readonly Gen<string[]> Recipients = Gen.OneOf(
        Gen.Elements(Mailboxes).Select(r => new[] { r }),
        from first in Gen.Choose(0, Mailboxes.Length - 1)
        from step in Gen.Choose(1, Mailboxes.Length - 1)
        select new[] { Mailboxes[first], Mailboxes[(first + step) % Mailboxes.Length] });

    private static readonly Gen<Op> Sends = Gen.Choose(1, 3).SelectMany(n => Recipients.ArrayOf(n)).Select(m => (Op)new Send(m));

    private static readonly Gen<Op> Ops = Gen.Frequency(
        (4, Sends),
        (3, Gen.Elements<int?>(null, 0, 1, 2).Select(mid => (Op)new Failover(mid))),
        (2, from way in Gen.Elements(By.Destination, By.Recipient, By.MessageId) from pick in Gen.Choose(0, 9) select (Op)new Resubmit(way, pick)),
        (2, Gen.Choose(0, 9).Select(p => (Op)new Takeover(p))),
        (1, Gen.Constant<Op>(new Drain())),
        (2, Gen.Elements(50, 150, 300, 500).Select(ms => (Op)new Pause(ms))));

    private static readonly Gen<Case> Cases =
        from store in Gen.Frequency((3, Gen.Constant(DuplicateStore.Local)), (1, Gen.Constant(DuplicateStore.SharedDown)), (2, Gen.Constant(DuplicateStore.Unreachable)))
        from slow in Gen.Elements(false, true)
        from busy in Gen.Elements(false, true)
        from first in Sends
        from count in Gen.Choose(2, 8)
        from rest in Ops.ArrayOf(count)
        select new Case(store, slow, busy, [first, .. rest]);

    /// <summary>Shrinks by making the servers plain, leaving out one step, or one message of a send: a counterexample
    /// shrinks to the steps that matter, each candidate a real run again.</summary>
    private static IEnumerable<Case> Shrink(Case c)
    {
        if (c.Slow)
            yield return c with { Slow = false };
        if (c.Busy)
            yield return c with { Busy = false };
        for (var i = 0; i < c.Ops.Length; i++)
        {
            if (c.Ops.Length > 1)
                yield return c with { Ops = [.. c.Ops.Take(i), .. c.Ops.Skip(i + 1)] };
            if (c.Ops[i] is Send { Messages.Length: > 1 } send)
                for (var m = 0; m < send.Messages.Length; m++)
                    yield return c with { Ops = [.. c.Ops.Take(i), new Send([.. send.Messages.Take(m), .. send.Messages.Skip(m + 1)]), .. c.Ops.Skip(i + 1)] };
        }
    }

    // A fixed seed: CI runs the same 20 interleavings every time (their timing still varies from run to run). On a
    // failure FsCheck prints the seed and the shrunk steps, and each case's report (steps, what each mailbox got) is
    // in the test's output. Remove Replay to explore new interleavings locally.
    [Property(MaxTest = 20, Replay = "(271828,314159)")]
    public Property Each_message_reaches_a_mailbox_at_least_once_and_no_mailbox_twice_while_the_duplicate_store_answers() =>
        Prop.ForAll(Arb.From(Cases, Shrink), c => RunAsync(c).GetAwaiter().GetResult());

    private static async Task<Property> RunAsync(Case c)
    {
        await using var run = await InterleavingHarness.StartAsync(c.Store, c.Slow ? SlowReply : TimeSpan.Zero, c.Busy, SecondLook);
        foreach (var op in c.Ops)
        {
            switch (op)
            {
                case Send send:
                    await run.SendAsync(send.Messages);
                    break;
                case Failover failover:
                    await run.FailoverAsync(failover.MidDelivery);
                    break;
                case Resubmit { By: By.MessageId } or Takeover when run.Sent.Count == 0:
                    run.Note($"{op}: nothing sent yet"); // a shrunk case may have lost its sends
                    break;
                case Resubmit resubmit:
                    await run.ResubmitAsync((start, end) => resubmit.By switch
                    {
                        By.Destination => new ResubmitFilter(start, end, Destination: run.Route),
                        By.Recipient => new ResubmitFilter(start, end, Recipient: Mailboxes[resubmit.Pick % Mailboxes.Length]),
                        _ => new ResubmitFilter(start, end, MessageId: run.Sent[resubmit.Pick % run.Sent.Count].MessageId),
                    });
                    break;
                case Takeover takeover:
                    await run.TakeOverAsync(takeover.Pick % run.Sent.Count);
                    break;
                case Drain:
                    await run.DrainedAsync();
                    run.Note("drained");
                    break;
                case Pause pause:
                    await Task.Delay(pause.Milliseconds, TestContext.Current.CancellationToken);
                    break;
            }
        }
        var end = await run.EndAsync($"case {c}");
        return (end.Missing.Count == 0).Label("each (Message-ID, recipient) reaches a mailbox at least once:\n" + end.Report)
            .And((end.NotSent.Count == 0).Label("only what was sent arrives:\n" + end.Report))
            .And((c.Store is DuplicateStore.Unreachable || end.Twice.Count == 0)
                .Label("the duplicate store answers, so no mailbox has a message for a recipient twice:\n" + end.Report))
            .And((end.ActiveLacks.Count == 0).Label("the route's active server has every message for every recipient:\n" + end.Report));
    }

    /// <summary>
    /// Found with the property's last check while writing it: a failover's first look took a message for the
    /// recipient delivered so far, and the retry of its other recipient, started to the old active before the move,
    /// was recorded after that look. The second look skipped it (it skipped every message the first had taken), so
    /// the new active never got it, and the old active, which may have lost it, had its only copy. Random cases
    /// reach that timing rarely, so it has a case of its own, timed by the mailbox server's held 250.
    /// </summary>
    [Fact]
    public async Task A_recipient_delivered_to_the_old_active_after_the_first_look_is_resubmitted_by_the_second()
    {
        // The 250 comes 600 ms after the message is taken; the second look 2 s after the move, well past it.
        await using var run = await InterleavingHarness.StartAsync(DuplicateStore.Local, TimeSpan.FromMilliseconds(600), busy: true, TimeSpan.FromSeconds(2));
        var old = run.ActiveSink;
        await run.SendAsync([[Mailboxes[0], Mailboxes[2]]]);
        // The first attempt: r1 taken and answered, r3 deferred (busy). The retry, 200 ms later: r3 taken, its 250
        // on the way. Move the route now: the first look finds the message delivered to r1 only.
        await Eventually.UntilAsync(() => old.Messages.Count == 2 && old.Unanswered == 1, TimeSpan.FromSeconds(10),
            () => $"the retry of r3 did not reach the old active ({old.Messages.Count} message(s), {old.Unanswered} unanswered)", 2);
        await run.FailoverAsync();
        var end = await run.EndAsync("r3 delivered to the old active after the first look");
        Assert.True(end.ActiveLacks.Count == 0, end.Report);
        Assert.True(end.Twice.Count == 0, end.Report);
    }
}
