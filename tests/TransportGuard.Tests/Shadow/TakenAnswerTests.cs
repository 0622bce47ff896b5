using System.Net;
using Microsoft.Extensions.DependencyInjection;
using TransportGuard.Delivery.Routing;
using TransportGuard.Delivery.Smtp;
using TransportGuard.Shadow;
using TransportGuard.Spool;
using TransportGuard.Smtp.Cluster;
using TransportGuard.Tests.Support;

namespace TransportGuard.Tests.Shadow;

/// <summary>
/// XQUERYTAKEN over real sockets (docs/protocol.md, Fencing): a holder's answer works for any number of taken-over
/// messages within bounded replies, and stays the same until the primary acknowledges it.
/// </summary>
public sealed class TakenAnswerTests
{
    private static readonly IPAddress Primary = IPAddress.Parse("127.0.0.5");
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private static Task<TestGateway> HolderAsync() => TestGateway.StartAsync(
        ("Shadow:NodeId", "hub"), PeerSession.Setting, ("Shadow:Peers:0", "p1@127.0.0.5:2525"), ("Shadow:Peers:1", "hub@127.0.0.1:2525"));

    /// <summary>Copies of p1's messages, taken over here (and, with <paramref name="delivered"/>, delivered and
    /// kept only for p1's question).</summary>
    private static async Task<HashSet<string>> TakeOverAsync(TestGateway holder, int count, bool delivered)
    {
        var ids = holder.Services.GetRequiredService<QueueIdGenerator>();
        var now = DateTimeOffset.UtcNow;
        var primaryIds = Enumerable.Range(0, count).Select(i => $"P{i:D6}").ToHashSet();
        foreach (var batch in primaryIds.Chunk(500))
        {
            await Task.WhenAll(batch.Select(async primaryId =>
            {
                var template = new SpooledEnvelope(ids.Next(), "a@example.org", [new SpooledRecipient("b@example.com", "")], "", "127.0.0.5", "p1.test",
                    false, now, [], 0, "", TakenOverFrom: new ShadowRef("p1", primaryId, now));
                var copy = await holder.Spool.StoreAsync(template, "Subject: taken\r\n\r\nbody\r\n"u8.ToArray(), CancellationToken.None);
                if (delivered)
                    await holder.Spool.RecordProgressAsync(copy.Envelope.QueueId, p => p with { AwaitingDiscard = true }, "delivered (test)");
            }));
        }
        return primaryIds;
    }

    private static Task<SmtpClientConnection> ConnectAsPrimaryAsync(TestGateway holder) =>
        SmtpClientConnection.OpenAsync("hub", holder.SmtpEndPoint, new SmtpClientProfile("p1.test", Primary, Peer: new PeerLogin("p1", "hub", new ClusterSecret(PeerSession.Secret))), TlsMode.None,
            new SmtpClientTimeouts(Timeout, Timeout, Timeout), TimeProvider.System, TestContext.Current.CancellationToken);

    [Fact]
    public async Task An_answer_about_thousands_of_messages_comes_in_pages_the_primary_can_read()
    {
        await using var holder = await HolderAsync();
        var taken = await TakeOverAsync(holder, 5200, delivered: false);
        await using var connection = await ConnectAsPrimaryAsync(holder);

        // Every reply is read by the client's bounded parser (ReplyParser.MaxLines): one reply for all 5,200 would not be.
        var answer = await TakenQuery.AskAsync(connection, "p1", Timeout, TestContext.Current.CancellationToken);

        Assert.Equal(taken.Order(), answer.Order());
    }

    [Fact]
    public async Task An_answer_stays_the_same_until_the_primary_acknowledges_it()
    {
        await using var holder = await HolderAsync();
        var taken = await TakeOverAsync(holder, 3, delivered: true);
        await using var connection = await ConnectAsPrimaryAsync(holder);

        var first = await TakenQuery.AskAsync(connection, "p1", Timeout, TestContext.Current.CancellationToken);
        var again = await TakenQuery.AskAsync(connection, "p1", Timeout, TestContext.Current.CancellationToken); // as after a lost reply
        Assert.Equal(taken.Order(), first.Order());
        Assert.Equal(taken.Order(), again.Order());
        Assert.Equal(3, holder.Spool.Index.Count);

        await TakenQuery.AcknowledgeAsync(connection, "p1", Timeout, TestContext.Current.CancellationToken);
        Assert.Equal(0, holder.Spool.Index.Count); // delivered copies kept only for the question are forgotten
        Assert.Empty(await TakenQuery.AskAsync(connection, "p1", Timeout, TestContext.Current.CancellationToken));
    }
}
