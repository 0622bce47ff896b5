using Microsoft.Extensions.DependencyInjection;
using TransportGuard.Queue;
using TransportGuard.Tests.Support;

namespace TransportGuard.Tests.Delivery;

/// <summary>STARTTLS towards the next hop, and the next hop's limits, with our own nodes and a scripted one.</summary>
public sealed class NextHopTlsAndLimitsTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Opportunistic_tls_encrypts_the_hop_to_a_next_hop_that_offers_starttls()
    {
        await using var next = await TestGateway.StartAsync(); // our own node: STARTTLS with a self-signed certificate
        await using var gateway = await Relay.StartAsync($"127.0.0.1:{next.Port}");
        await Relay.SendAsync(gateway, "a@example.org", ["b@example.com"], Relay.Body("over tls"));

        await Relay.DrainedAsync(gateway, Wait);
        var stored = Assert.Single(next.Messages());
        Assert.True(stored.Envelope.Secure);
        Assert.Contains("with ESMTPS id", stored.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_route_that_requires_tls_defers_rather_than_send_in_the_clear()
    {
        await using var hop = ScriptedNextHop.Start();
        await using var gateway = await Relay.StartAsync(hop.Address, ("Delivery:Routes:example.com", $"smtp:{hop.Address};tls=encrypt"));
        var id = await Relay.SendAsync(gateway, "a@example.org", ["b@example.com"], Relay.Body("must be encrypted"));

        var queue = gateway.Services.GetRequiredService<QueueAdmin>();
        await Eventually.UntilAsync(() => queue.List().SingleOrDefault() is { Attempts: >= 2 }, Wait, () => "no second attempt: " + string.Join("; ", queue.List()));
        Assert.Contains("TLS is required", queue.List().Single().LastError, StringComparison.Ordinal);
        Assert.Equal(id, queue.List().Single().QueueId);
        Assert.DoesNotContain(hop.Transcript, l => l.StartsWith("MAIL", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_message_larger_than_the_next_hops_size_limit_fails_without_being_sent()
    {
        await using var hop = ScriptedNextHop.Start(new NextHopScript { Extensions = ["PIPELINING", "SIZE 1000", "ENHANCEDSTATUSCODES"] });
        await using var gateway = await Relay.StartAsync(hop.Address);
        await Relay.SendAsync(gateway, "", ["b@example.com"], Relay.Body("too big", new string('x', 70) + "\r\n" + string.Concat(Enumerable.Repeat(new string('y', 70) + "\r\n", 20))));

        await Relay.DrainedAsync(gateway, Wait);
        Assert.Empty(hop.Messages);
        Assert.DoesNotContain(hop.Transcript, l => l.StartsWith("MAIL", StringComparison.Ordinal));
    }
}
