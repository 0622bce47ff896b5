using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TransportGuard.Dedup;
using TransportGuard.Delivery.Clusters;
using TransportGuard.Queue;
using TransportGuard.SafetyNet;
using TransportGuard.Shadow;
using TransportGuard.Spool;
using TransportGuard.Tests.Delivery.Clusters;
using TransportGuard.Tests.Support;

namespace TransportGuard.Tests.SafetyNet;

/// <summary>What the node's duplicate store is like for a whole run (docs/dedup.md, The stores).</summary>
internal enum DuplicateStore
{
    /// <summary>The local store (the default): reachable.</summary>
    Local,

    /// <summary>The local store with a shared store (Dedup:Redis) at a closed port: every call falls back to the
    /// local store. One node's own deliveries are all still known, so this counts as reachable.</summary>
    SharedDown,

    /// <summary>No store answers: the node's only store is a real Redis-protocol store at a closed port, so every
    /// lookup and every write fails with DuplicateStoreUnavailableException and the ledger's "deliver anyway" path
    /// runs ("A store that cannot answer at all never stops mail"). Dedup:Enabled false would model a node without
    /// duplicate detection rather than one whose store does not answer.</summary>
    Unreachable,
}

/// <summary>What arrived where at the end of a run, against what was sent.</summary>
internal sealed record InterleavingOutcome(IReadOnlyList<string> Missing, IReadOnlyList<string> Twice, IReadOnlyList<string> NotSent,
    IReadOnlyList<string> ActiveLacks, string Report);

/// <summary>
/// One real gateway (composed as the executable composes it) delivering a mailbox cluster route to two scripted
/// mailbox servers over loopback, and the steps of the interleaving tests: send over SMTP, fail the route over
/// through the real monitor, resubmit through the real <see cref="Resubmitter"/>, take a shadow over through the
/// real <see cref="KeptMessages"/>, drain. Each step returns once its own work is durable (a 250, the copies stored,
/// the route moved), not when deliveries end, so steps race the queue as they would in production.
/// </summary>
internal sealed class InterleavingHarness : IAsyncDisposable
{
    public static readonly string[] Mailboxes = ["r1@example.net", "r2@example.net", "r3@example.net"];
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    private readonly ScriptedNextHop _first;
    private readonly ScriptedNextHop _second;
    private readonly ScriptedProbe _probe;
    private readonly DuplicateStore _store;
    private readonly TestGateway _gateway;
    private readonly IMessageStore _spool;
    private readonly MailboxClusterMonitor _monitor;
    private readonly ClusterState _cluster;
    private readonly DateTimeOffset _began = DateTimeOffset.UtcNow - TimeSpan.FromSeconds(1);
    private readonly Dictionary<string, SpooledEnvelope> _originals = new(StringComparer.Ordinal);
    private readonly List<(string MessageId, string QueueId, string[] Recipients)> _sent = [];
    private readonly List<string> _trace = [];
    private int _failovers;

    private InterleavingHarness(ScriptedNextHop first, ScriptedNextHop second, ScriptedProbe probe, DuplicateStore store, string route, TestGateway gateway)
    {
        (_first, _second, _probe, _store, Route, _gateway) = (first, second, probe, store, route, gateway);
        _spool = gateway.Services.GetRequiredService<IMessageStore>();
        _monitor = gateway.Services.GetRequiredService<MailboxClusterMonitor>();
        _cluster = Assert.Single(gateway.Services.GetRequiredService<MailboxClusters>().All);
        _spool.Committed += message =>
        {
            lock (_originals)
                _originals[message.Envelope.QueueId] = message.Envelope;
        };
    }

    /// <summary>The route's specification, as configured.</summary>
    public string Route { get; }

    public IReadOnlyList<(string MessageId, string QueueId, string[] Recipients)> Sent => _sent;

    /// <summary>The mailbox server the route delivers to now.</summary>
    public ScriptedNextHop ActiveSink => Sink(_cluster.Active.ToString());

    /// <param name="replyDelay">How long the mailbox servers wait between taking a message and answering its end
    /// of data: the delivery is at the next hop while its 250 is still on the way.</param>
    /// <param name="busy">The mailbox servers defer every other RCPT for r3 (451): a message's recipients are then
    /// delivered in different attempts.</param>
    /// <param name="secondLook">SafetyNet:FailoverSecondLook: the default 5 s is a long wait per run, and a test
    /// need only outlast its own reply delay.</param>
    public static async Task<InterleavingHarness> StartAsync(DuplicateStore store, TimeSpan replyDelay, bool busy, TimeSpan secondLook)
    {
        var first = ScriptedNextHop.Start(Mailbox(replyDelay, busy));
        var second = ScriptedNextHop.Start(Mailbox(replyDelay, busy));
        var route = $"cluster:{first.Address},{second.Address};replay=10m";
        var probe = new ScriptedProbe();
        List<(string Key, string Value)> settings = [
            ("Queue:Suspended", "false"),
            ("Queue:RetryInitialDelay", "00:00:00.200"), ("Queue:RetryMaxDelay", "00:00:00.500"), ("Queue:RetryJitter", "0"),
            ("Delivery:Routes:example.net", route),
            // The steps move the route: one failed check moves it, and the old active is eligible again a
            // millisecond after it passes one; the monitor's own timer runs only its first round, at start.
            ("MailboxClusters:HealthCheckInterval", "01:00:00"), ("MailboxClusters:HealthCheckFailures", "1"),
            ("MailboxClusters:HealthCheckHoldDown", "00:00:00.001"),
            ("SafetyNet:FailoverSecondLook", secondLook.ToString()),
            // Deliveries (status=sent, deferred, duplicate) and resubmits in the test's output, for a failure.
            ("Logging:LogLevel:TransportGuard.Queue", "Information"), ("Logging:LogLevel:TransportGuard.SafetyNet", "Information"),
        ];
        if (store is DuplicateStore.SharedDown or DuplicateStore.Unreachable)
            settings.Add(("Dedup:Redis", $"127.0.0.1:{PostfixInstance.FreePort()}"));
        try
        {
            var gateway = await TestGateway.StartAsync(null, services =>
            {
                services.RemoveAll<IServerProbe>();
                services.AddSingleton<IServerProbe>(probe);
                if (store is DuplicateStore.Unreachable)
                {
                    services.RemoveAll<DuplicateStoreService>();
                    services.AddSingleton(sp => new DuplicateStoreService(
                        async _ => await RedisDuplicateStore.ConnectAsync(sp.GetRequiredService<IOptions<DedupOptions>>().Value, sp.GetRequiredService<TimeProvider>()),
                        sp.GetRequiredService<DedupMetrics>(), sp.GetRequiredService<IOptions<DedupOptions>>(), sp.GetRequiredService<TimeProvider>(),
                        sp.GetRequiredService<ILogger<DuplicateStoreService>>()));
                }
            }, [.. settings]);
            var harness = new InterleavingHarness(first, second, probe, store, route, gateway);
            try
            {
                await Eventually.UntilAsync(() => harness._monitor.Rounds >= 1, Wait, () => "the monitor's first round did not run");
                return harness;
            }
            catch
            {
                await gateway.DisposeAsync();
                throw;
            }
        }
        catch
        {
            await first.DisposeAsync();
            await second.DisposeAsync();
            throw;
        }
    }

    private static NextHopScript Mailbox(TimeSpan replyDelay, bool busy)
    {
        var r3 = 0;
        return new NextHopScript
        {
            DataReplyDelay = replyDelay,
            RcptReply = r => busy && r == Mailboxes[2] && Interlocked.Increment(ref r3) % 2 == 1 ? "451 4.3.0 mailbox busy, try again later" : null,
        };
    }

    private ScriptedNextHop Sink(string address) => _first.Address == address ? _first : _second;

    /// <summary>Sends each message over SMTP (one session each) with a Message-ID of its own; returns at the 250.</summary>
    public async Task SendAsync(IEnumerable<string[]> messages)
    {
        foreach (var recipients in messages)
        {
            var messageId = $"{_sent.Count}.{Guid.NewGuid():N}@prop.test";
            var body = $"From: <a@example.org>\r\nTo: {string.Join(", ", recipients.Select(r => $"<{r}>"))}\r\nSubject: {messageId}\r\n" +
                $"Date: {DateTimeOffset.UtcNow:R}\r\nMessage-Id: <{messageId}>\r\n\r\nHello.\r\n";
            var queueId = await Relay.SendAsync(_gateway, "a@example.org", recipients, body);
            _sent.Add((messageId, queueId, recipients));
            _trace.Add($"sent #{_sent.Count - 1} {messageId} as {queueId} to {string.Join(",", recipients)}");
        }
    }

    /// <summary>
    /// The active server fails its health check and the standby passes; the real monitor judges the round and moves
    /// the route (one round, or two when the standby was the active before: it must pass a check, then the hold-down,
    /// a millisecond here), logs it, saves it and announces it to the Safety Net. With <paramref name="midDelivery"/>
    /// = n it first waits (a second at most) until the active has taken n+1 more messages, the last not yet answered:
    /// a move while a delivery to the old active is between the next hop's commit and its 250.
    /// </summary>
    public async Task FailoverAsync(int? midDelivery = null)
    {
        var cancellation = TestContext.Current.CancellationToken;
        var from = _cluster.Active;
        var to = _cluster.Route.Servers.Single(s => s != from);
        var inFlight = false;
        if (midDelivery is { } skip)
        {
            var sink = ActiveSink;
            var target = sink.Messages.Count + skip + 1;
            var deadline = DateTime.UtcNow.AddSeconds(1);
            while (!(inFlight = sink.Messages.Count >= target && sink.Unanswered > 0) && DateTime.UtcNow < deadline)
                await Task.Delay(2, cancellation);
        }
        _probe.Down(from);
        _probe.Up(to);
        for (var round = 0; _cluster.Active == from; round++)
        {
            Assert.True(round < 20, $"the route did not move from {from} to {to}");
            await _monitor.CheckAsync(cancellation);
            if (_cluster.Active == from)
                await Task.Delay(5, cancellation);
        }
        _failovers++;
        _trace.Add($"failover {from} -> {to}{(inFlight ? ", a delivery to the old active awaiting its 250" : "")}");
    }

    /// <summary>An operator's request over everything since the run began (docs/safetynet.md, Resubmit).</summary>
    public async Task ResubmitAsync(Func<DateTimeOffset, DateTimeOffset, ResubmitFilter> filterOf)
    {
        var filter = filterOf(_began, DateTimeOffset.UtcNow.AddMinutes(1));
        var result = await _gateway.Services.GetRequiredService<Resubmitter>().RunAsync(filter, null, false, ResubmitTrigger.Request,
            TestContext.Current.CancellationToken);
        _trace.Add($"resubmit {filter}: {result.Note} [{string.Join(",", result.QueueIds)}]");
    }

    /// <summary>
    /// A takeover as a holder makes one (docs/protocol.md, Takeover): the sent message as a peer's shadow copy in our
    /// spool (what XSHADOWOF leaves: the same content and envelope), whose primary is gone, turned into a message of
    /// our own by the gateway's <see cref="KeptMessages.TakeOverAsync"/> (a copy stored through
    /// <see cref="IMessageStore.StoreAsync"/> with TakenOverFrom, the shadow finished). The original may be delivered
    /// already or still queued.
    /// </summary>
    public async Task TakeOverAsync(int sent)
    {
        var (messageId, queueId, _) = _sent[sent];
        SpooledEnvelope original;
        lock (_originals)
            original = _originals[queueId];
        var now = DateTimeOffset.UtcNow;
        var content = await _spool.ReadContentAsync(original, TestContext.Current.CancellationToken);
        var shadow = await _spool.StoreAsync(original with
        {
            QueueId = _gateway.Services.GetRequiredService<QueueIdGenerator>().Next(),
            Chunks = [],
            ReceivedAt = now,
            ShadowOf = new ShadowRef("gone-peer", original.QueueId, now),
            ShadowHolder = null,
            TakenOverFrom = null,
            Resubmit = null,
        }, content, TestContext.Current.CancellationToken);
        var copy = await _gateway.Services.GetRequiredService<KeptMessages>().TakeOverAsync(shadow.Envelope.QueueId);
        _trace.Add($"takeover of #{sent} {messageId}: copy {copy}");
    }

    /// <summary>Until nothing is left to deliver: no queued message has a recipient pending (a takeover copy stays in
    /// the spool after its delivery, kept until its old primary's word, docs/protocol.md).</summary>
    public Task DrainedAsync()
    {
        var queue = _gateway.Services.GetRequiredService<QueueAdmin>();
        return Eventually.UntilAsync(() => queue.List().All(i => i.PendingRecipients.Count == 0), Wait,
            () => "still queued: " + string.Join("; ", queue.List().Where(i => i.PendingRecipients.Count > 0).Select(i => $"{i.QueueId} {i.State} {i.LastError}")));
    }

    public void Note(string line) => _trace.Add(line);

    /// <summary>
    /// The end: the queue drained, every failover's resubmit through both its looks (each marks itself done in
    /// DATA/safetynet/failovers-done.json), whatever those queued delivered too; then what each mailbox has.
    /// </summary>
    public async Task<InterleavingOutcome> EndAsync(string title)
    {
        await DrainedAsync();
        var done = Path.Combine(_gateway.DataDirectory, "safetynet", "failovers-done.json");
        await Eventually.UntilAsync(() => FailoversDone(done) >= _failovers, Wait, () => $"{FailoversDone(done)} of {_failovers} failover resubmit(s) finished");
        await DrainedAsync();

        var expected = _sent.SelectMany(s => s.Recipients.Select(r => (s.MessageId, Recipient: r))).ToHashSet();
        var arrived = new[] { _first, _second }.ToDictionary(s => s.Address,
            s => s.Messages.SelectMany(m => m.Recipients.Select(r => (MessageId: MessageIdOf(m.Text), Recipient: r.ToLowerInvariant()))).ToList());
        var active = _cluster.Active.ToString();
        static string Name((string MessageId, string Recipient) p) => $"#{p.MessageId[..p.MessageId.IndexOf('.', StringComparison.Ordinal)]}/{p.Recipient[..2]}";
        var missing = expected.Where(p => !arrived.Values.Any(a => a.Contains(p))).Select(Name).ToList();
        var twice = arrived.SelectMany(a => a.Value.GroupBy(p => p).Where(g => g.Count() > 1).Select(g => $"{a.Key} has {Name(g.Key)} {g.Count()} times")).ToList();
        var notSent = arrived.SelectMany(a => a.Value).Where(p => !expected.Contains(p)).Distinct().Select(p => $"{p.MessageId}/{p.Recipient}").ToList();
        var activeLacks = expected.Where(p => !arrived[active].Contains(p)).Select(Name).ToList();
        var report = string.Join("\n", [
            title, $"  duplicate store {_store}, route {Route}", .. _trace.Select(t => "  " + t),
            $"  active at the end: {active}",
            .. arrived.Select(a => $"  {a.Key} got: {string.Join(" ", a.Value.Select(Name))}"),
            $"  missing: {string.Join("; ", missing)}", $"  twice: {string.Join("; ", twice)}", $"  not sent: {string.Join("; ", notSent)}",
            $"  the active lacks: {string.Join("; ", activeLacks)}"]);
        TestContext.Current.TestOutputHelper?.WriteLine(report);
        return new InterleavingOutcome(missing, twice, notSent, activeLacks, report);
    }

    private static int FailoversDone(string path)
    {
        try
        {
            return File.Exists(path) ? JsonSerializer.Deserialize<List<string>>(File.ReadAllBytes(path))?.Count ?? 0 : 0;
        }
        catch (Exception ex) when (ex is IOException or JsonException)
        {
            return 0; // being replaced: asked again
        }
    }

    private static string MessageIdOf(string text) =>
        text.Split("\r\n").First(l => l.StartsWith("Message-Id:", StringComparison.OrdinalIgnoreCase))["Message-Id:".Length..].Trim().Trim('<', '>');

    public async ValueTask DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _first.DisposeAsync();
        await _second.DisposeAsync();
    }
}
