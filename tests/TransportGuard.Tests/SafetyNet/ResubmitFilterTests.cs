using TransportGuard.SafetyNet;
using TransportGuard.Spool;

namespace TransportGuard.Tests.SafetyNet;

/// <summary>Which kept deliveries a resubmit request takes (docs/safetynet.md, Resubmit), at fixed times.</summary>
public sealed class ResubmitFilterTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 30, 10, 0, 0, TimeSpan.Zero);
    private const string Route = "cluster:127.0.0.1:2601,127.0.0.1:2602;replay=10m";

    private static readonly SpooledEnvelope Envelope = new("00T4B0000000001", "Alice@Example.org", [new SpooledRecipient("bob@example.net", "")],
        "", "127.0.0.9", "client.test", false, T0, [], 0, "", Identity: new ContentIdentity("m:abc@test", "00"));

    private static RecipientOutcome Delivery(DateTimeOffset at, string destination = "127.0.0.1:2601", string recipient = "bob@example.net") =>
        new(recipient, RecipientStatus.Delivered, "2.0.0", "250 ok", "mbx1", at, Route, destination);

    [Fact]
    public void The_window_holds_both_ends_and_nothing_outside()
    {
        var filter = new ResubmitFilter(T0, T0.AddMinutes(10), Destination: Route);
        Assert.True(filter.Matches(Envelope, Delivery(T0)));
        Assert.True(filter.Matches(Envelope, Delivery(T0.AddMinutes(10))));
        Assert.False(filter.Matches(Envelope, Delivery(T0.AddTicks(-1))));
        Assert.False(filter.Matches(Envelope, Delivery(T0.AddMinutes(10).AddTicks(1))));
    }

    [Theory]
    [InlineData(Route, true)]
    [InlineData("127.0.0.1:2601", true)]
    [InlineData("EXAMPLE.NET", true)]
    [InlineData("127.0.0.1:2602", false)]
    [InlineData("example.com", false)]
    public void A_destination_is_a_route_a_server_or_the_recipients_domain(string destination, bool matches) =>
        Assert.Equal(matches, new ResubmitFilter(T0, T0.AddHours(1), Destination: destination).Matches(Envelope, Delivery(T0)));

    [Fact]
    public void A_failover_leaves_out_what_went_to_the_new_active()
    {
        var filter = new ResubmitFilter(T0, T0.AddHours(1), Destination: Route, ExceptDestination: "127.0.0.1:2602");
        Assert.True(filter.Matches(Envelope, Delivery(T0)));
        Assert.False(filter.Matches(Envelope, Delivery(T0, destination: "127.0.0.1:2602")));
    }

    [Fact]
    public void Sender_recipient_and_message_id_compare_as_mail_systems_do()
    {
        Assert.True(new ResubmitFilter(T0, T0.AddHours(1), Sender: "<alice@example.org>").Matches(Envelope, Delivery(T0)));
        Assert.True(new ResubmitFilter(T0, T0.AddHours(1), Recipient: "BOB@example.net").Matches(Envelope, Delivery(T0)));
        Assert.False(new ResubmitFilter(T0, T0.AddHours(1), Recipient: "carol@example.net").Matches(Envelope, Delivery(T0)));
        Assert.True(new ResubmitFilter(T0, T0.AddHours(1), MessageId: " <abc@test> ").Matches(Envelope, Delivery(T0)));
        Assert.False(new ResubmitFilter(T0, T0.AddHours(1), MessageId: "other@test").Matches(Envelope, Delivery(T0)));
    }

    [Fact]
    public void Only_deliveries_of_our_own_are_ever_taken()
    {
        var filter = new ResubmitFilter(T0, T0.AddHours(1), Recipient: "bob@example.net");
        Assert.False(filter.Matches(Envelope, Delivery(T0) with { Destination = null })); // a handoff to a peer
        Assert.False(filter.Matches(Envelope, Delivery(T0) with { Status = RecipientStatus.Failed }));
        Assert.False(new ResubmitFilter(T0, T0.AddHours(1)).HasCriterion);
    }
}
