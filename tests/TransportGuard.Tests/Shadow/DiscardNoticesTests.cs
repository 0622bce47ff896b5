using TransportGuard.Shadow;

namespace TransportGuard.Tests.Shadow;

/// <summary>Acknowledged batches (docs/protocol.md): a notice is forgotten only when the batch that carried it is
/// acknowledged, so a lost reply neither leaks a shadow nor drops a notice early.</summary>
public sealed class DiscardNoticesTests
{
    [Fact]
    public void A_notice_stays_owed_until_the_batch_that_carried_it_is_acknowledged()
    {
        var notices = new DiscardNotices();
        notices.Add("edge", "Q1");
        notices.Add("edge", "Q2");
        var first = notices.Query("edge", ack: 0);
        Assert.Empty(first.Acknowledged);
        Assert.Equal(["Q1", "Q2"], first.Batch.Order());

        // The reply was lost: the holder repeats its previous ack (0), so nothing is forgotten and both come again.
        var repeat = notices.Query("edge", ack: 0);
        Assert.Empty(repeat.Acknowledged);
        Assert.Equal(["Q1", "Q2"], repeat.Batch.Order());
        Assert.Equal(2, notices.Count("edge"));

        notices.Add("edge", "Q3");
        var acked = notices.Query("edge", ack: repeat.Token);
        Assert.Equal(["Q1", "Q2"], acked.Acknowledged.Order());
        Assert.Equal(["Q3"], acked.Batch);
        Assert.Equal(1, notices.Count("edge"));
        Assert.Empty(notices.Query("edge", ack: first.Token).Acknowledged); // a stale token acknowledges nothing
    }

    [Fact]
    public void A_stray_copy_is_told_to_discard_and_its_acknowledgement_releases_nothing_here()
    {
        var notices = new DiscardNotices();
        notices.AddStray("edge", "Q1"); // the copy to edge timed out; the message has another holder
        notices.Add("edge", "Q2");
        var sent = notices.Query("edge", ack: 0);
        Assert.Equal(["Q1", "Q2"], sent.Batch.Order());

        var acked = notices.Query("edge", ack: sent.Token);

        Assert.Equal(["Q2"], acked.Acknowledged); // Q1 still waits for its real holder, if it has one
        Assert.Empty(acked.Batch);
        Assert.Equal(0, notices.Count("edge"));
    }

    [Fact]
    public void Holders_are_kept_apart()
    {
        var notices = new DiscardNotices();
        notices.Add("edge1", "A");
        notices.Add("edge2", "B");
        Assert.Equal(["A"], notices.Query("edge1", 0).Batch);
        Assert.Equal(["B"], notices.Query("edge2", 0).Batch);
    }
}
