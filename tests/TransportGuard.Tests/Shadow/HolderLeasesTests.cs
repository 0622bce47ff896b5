using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using TransportGuard.Shadow;

namespace TransportGuard.Tests.Shadow;

/// <summary>
/// Takeover fencing on the primary (docs/protocol.md), on a virtual clock: the lease runs 0.8 x 3 x 300 ms = 720 ms
/// from the last acknowledged reply. Once it has lapsed, a heartbeat of a holder that has taken nothing over (NONE)
/// brings it back; one of a holder that took over (TAKEN) does not, and only its answer to XQUERYTAKEN does: a
/// holder that took over keeps heartbeating, and those heartbeats must not let the primary deliver again.
/// </summary>
public sealed class HolderLeasesTests
{
    private readonly FakeTimeProvider _time = new();
    private readonly HolderLeases _leases;

    public HolderLeasesTests() => _leases = new HolderLeases(Options.Create(new ShadowOptions()), _time);

    [Fact]
    public void Heartbeats_keep_a_live_lease_fresh_and_it_lapses_720_ms_after_the_last_acknowledged_reply()
    {
        Assert.False(_leases.Fresh("edge")); // never heard from
        _leases.Renew("edge", _time.GetTimestamp());
        _time.Advance(TimeSpan.FromMilliseconds(300));
        _leases.Renew("edge", _time.GetTimestamp());
        _time.Advance(TimeSpan.FromMilliseconds(719));
        Assert.True(_leases.Fresh("edge"));
        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.False(_leases.Fresh("edge"));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Heartbeats_every_300_ms_keep_the_lease_fresh_for_good(bool tookOver)
    {
        // As on the wire: each query acknowledges the reply to the one before, sent an interval earlier.
        var sent = _time.GetTimestamp();
        _leases.Renew("edge", sent, tookOver);
        for (var beat = 0; beat < 20; beat++)
        {
            var reply = _time.GetTimestamp();
            _time.Advance(TimeSpan.FromMilliseconds(300));
            _leases.Renew("edge", reply, tookOver);
            Assert.True(_leases.Fresh("edge"), $"lapsed at beat {beat}");
        }
    }

    [Fact]
    public void After_a_lapse_a_heartbeat_of_a_holder_that_took_nothing_over_brings_the_lease_back()
    {
        _leases.Renew("edge", _time.GetTimestamp(), tookOver: false);
        _time.Advance(TimeSpan.FromSeconds(2)); // a stall on a loaded machine
        Assert.False(_leases.Fresh("edge"));
        var old = _time.GetTimestamp() - (long)(TimeSpan.FromSeconds(1).TotalSeconds * _time.TimestampFrequency);
        _leases.Renew("edge", old, tookOver: false); // a query that waited in a socket acknowledges an old reply: not enough
        Assert.False(_leases.Fresh("edge"));
        _leases.Renew("edge", _time.GetTimestamp(), tookOver: false);
        Assert.True(_leases.Fresh("edge"));
    }

    [Fact]
    public void An_old_acknowledgement_does_not_move_the_lease_back()
    {
        _leases.Renew("edge", _time.GetTimestamp());
        var old = _time.GetTimestamp();
        _time.Advance(TimeSpan.FromMilliseconds(400));
        _leases.Renew("edge", _time.GetTimestamp());
        _leases.Renew("edge", old); // a query that sat in a socket, acknowledging an older reply
        _time.Advance(TimeSpan.FromMilliseconds(300));
        Assert.True(_leases.Fresh("edge"));
    }

    [Fact]
    public void After_a_lapse_heartbeats_of_a_holder_that_took_over_do_not_revive_the_lease_and_the_fencing_answer_does()
    {
        _leases.Renew("edge", _time.GetTimestamp());
        _time.Advance(TimeSpan.FromSeconds(2)); // frozen: the holder has given up on us and taken over
        _leases.Renew("edge", _time.GetTimestamp(), tookOver: true); // its heartbeats reach us again after SIGCONT
        _time.Advance(TimeSpan.FromMilliseconds(300));
        _leases.Renew("edge", _time.GetTimestamp(), tookOver: true);
        Assert.False(_leases.Fresh("edge"));

        var askedAt = _time.GetTimestamp();
        _time.Advance(TimeSpan.FromMilliseconds(100));
        _leases.Restore("edge", askedAt);
        Assert.True(_leases.Fresh("edge"));
        _time.Advance(TimeSpan.FromMilliseconds(620)); // the restored lease counts from the question, not the answer
        Assert.False(_leases.Fresh("edge"));
    }

    [Fact]
    public void A_waived_holder_is_fresh_until_it_is_heard_from_again_and_then_it_is_asked()
    {
        _leases.Waive("edge");
        _time.Advance(TimeSpan.FromMinutes(5));
        Assert.True(_leases.Fresh("edge"));
        _leases.Renew("edge", _time.GetTimestamp());
        Assert.False(_leases.Fresh("edge"));
        _time.Advance(TimeSpan.FromMilliseconds(300));
        _leases.Renew("edge", _time.GetTimestamp());
        Assert.False(_leases.Fresh("edge"));
    }

    [Fact]
    public void A_waived_holder_that_never_had_a_lease_is_asked_too_once_heard_from()
    {
        _leases.Waive("edge"); // restarted, and the holder did not answer within the fencing timeout
        _leases.Renew("edge", _time.GetTimestamp());
        _time.Advance(TimeSpan.FromMilliseconds(300));
        _leases.Renew("edge", _time.GetTimestamp());
        Assert.False(_leases.Fresh("edge"));
    }
}
