using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using TransportGuard.Spool;

namespace TransportGuard.Tests.Spool;

/// <summary>
/// Any sequence of acknowledged messages, finished messages, unacknowledged content (a crash mid-DATA), truncation
/// and crash-and-recover leaves the spool holding exactly what a plain dictionary that keeps only committed
/// operations holds, byte for byte.
/// </summary>
public sealed class SpoolModelTests
{
    private abstract record Op;
    private sealed record Acknowledge(int Seed, int Size) : Op;
    private sealed record Finish(int Pick) : Op;
    private sealed record Unacknowledged(int Size) : Op;
    private sealed record Truncate : Op;
    private sealed record CrashAndRecover : Op;
    private sealed record Compact : Op;

    private static readonly Gen<Op> Ops = Gen.Frequency(
        (5, from seed in Gen.Choose(0, 1000) from size in Gen.Elements(10, 900, 5000, 70_000, 300_000) select (Op)new Acknowledge(seed, size)),
        (2, Gen.Choose(0, 100).Select(p => (Op)new Finish(p))),
        (1, Gen.Elements(100, 70_000).Select(s => (Op)new Unacknowledged(s))),
        (1, Gen.Constant<Op>(new Truncate())),
        (1, Gen.Constant<Op>(new Compact())),
        (2, Gen.Constant<Op>(new CrashAndRecover())));

    [Property(MaxTest = 25)]
    public Property The_spool_matches_a_model_of_committed_operations() =>
        Prop.ForAll(Ops.ListOf().Select(l => l.ToArray()).ToArbitrary(), ops => Run(ops).GetAwaiter().GetResult());

    private static async Task<bool> Run(Op[] ops)
    {
        using var fixture = new SpoolFixture();
        var model = new Dictionary<string, byte[]>();
        var spool = fixture.Open();
        try
        {
            foreach (var op in ops)
            {
                switch (op)
                {
                    case Acknowledge a:
                        var content = SpoolFixture.Content(a.Seed, a.Size);
                        model[await fixture.AcknowledgeAsync(spool, content)] = content;
                        break;
                    case Finish f when model.Count > 0:
                        var id = model.Keys.Order(StringComparer.Ordinal).ElementAt(f.Pick % model.Count);
                        await spool.MarkFinishedAsync(id, "test");
                        model.Remove(id);
                        break;
                    case Unacknowledged u:
                        await spool.AppendContentAsync("0000000000000ZZ", SpoolFixture.Content(0, u.Size), [], CancellationToken.None);
                        break;
                    case Truncate:
                        await spool.TruncateAsync();
                        break;
                    case Compact:
                        await spool.CompactAsync(spool.TailAddress);
                        await spool.TruncateAsync();
                        break;
                    case CrashAndRecover:
                        await spool.DisposeAsync();
                        spool = fixture.Open();
                        break;
                }
            }
            await spool.DisposeAsync();
            spool = fixture.Open();
            if (!spool.Index.Messages.Select(m => m.Envelope.QueueId).SequenceEqual(model.Keys.Order(StringComparer.Ordinal)))
                return false;
            foreach (var message in spool.Index.Messages)
                if (!(await spool.ReadContentAsync(message.Envelope)).AsSpan().SequenceEqual(model[message.Envelope.QueueId]))
                    return false;
            return true;
        }
        finally
        {
            await spool.DisposeAsync();
        }
    }
}
