using TransportGuard.Spool;
using TransportGuard.Tests.Support;

namespace TransportGuard.Tests.Spool;

/// <summary>A real full disk (a small tmpfs): never a 250 for what is not durable, and mail resumes when space returns.
/// Run alone: filling a disk while other tests start and kill gateways makes timing-dependent failures hard to read.</summary>
[Collection(nameof(DiskFullTests))]
public sealed partial class DiskFullTests
{
    private static readonly string Body = "Subject: fill\r\n\r\n" + string.Concat(Enumerable.Repeat(new string('x', 98) + "\r\n", 3000)); // ~300 KB

    [Fact]
    public async Task Under_the_free_space_floor_mail_gets_452_4_3_1_and_resumes_when_space_returns()
    {
        using var disk = Tmpfs.Mount(96);
        var ballast = disk.Ballast(40);
        var data = Path.Combine(disk.Path, "data");
        var acknowledged = new List<string>();
        string? refusal = null;
        await using (var gateway = await GatewayProcess.StartAsync(data, "--Spool:MinimumFreeBytes", "25165824", "--Spool:FreeSpaceCheckInterval", "00:00:00.100"))
        {
            await using var client = await RawSmtpClient.ConnectGreetedAsync(gateway.SmtpEndPoint);
            for (var i = 0; i < 200 && refusal is null; i++)
            {
                var mail = await client.CommandAsync("MAIL FROM:<a@example.org>");
                if (mail.Code != 250)
                {
                    refusal = mail.Last;
                    break;
                }
                await client.CommandAsync("RCPT TO:<b@example.com>");
                await client.CommandAsync("DATA");
                var reply = await client.CommandAsync(Body + ".");
                Assert.Equal(250, reply.Code); // the floor stops us before the disk can fill: never a 451 here
                acknowledged.Add(reply.Last[^15..]);
                await Task.Delay(120, TestContext.Current.CancellationToken); // let the guard measure again
            }
            Assert.Equal("452 4.3.1 Insufficient system storage", refusal);

            File.Delete(ballast);
            await Task.Delay(300, TestContext.Current.CancellationToken);
            await client.BeginDataAsync();
            var resumed = await client.CommandAsync(Body + ".");
            Assert.Equal(250, resumed.Code);
            acknowledged.Add(resumed.Last[^15..]);
            await gateway.KillAsync();
        }
        Assert.Equal(acknowledged.Order(StringComparer.Ordinal), StoredMessage.ReadOffline(data).Select(m => m.Envelope.QueueId));
    }

    [Fact]
    public void The_restart_decision_measures_the_disk_now_not_from_the_cached_reading()
    {
        using var disk = Tmpfs.Mount(64);
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        var guard = new DiskSpaceGuard(Microsoft.Extensions.Options.Options.Create(new SpoolOptions { DataDirectory = disk.Path, MinimumFreeBytes = 0 }), time);
        Assert.True(guard.HasRoomFor(SpoolMaintenance.RestartHeadroomBytes)); // measured with 64 MiB free
        disk.Ballast(48);
        Assert.True(guard.HasRoomFor(SpoolMaintenance.RestartHeadroomBytes)); // the cached reading, within its interval
        Assert.False(guard.HasRoomNowFor(SpoolMaintenance.RestartHeadroomBytes)); // 16 MiB free: no restart into a full disk
    }

    [Fact]
    public async Task When_the_disk_fills_anyway_commits_fail_with_451_then_452_and_mail_resumes_once_space_returns()
    {
        using var disk = Tmpfs.Mount(96);
        var ballast = disk.Ballast(40);
        var data = Path.Combine(disk.Path, "data");
        var acknowledged = new List<string>();
        await using (var gateway = await GatewayProcess.StartAsync(data, "--Spool:MinimumFreeBytes", "0", "--Spool:MaintenanceInterval", "00:00:00.300"))
        {
            await using (var client = await RawSmtpClient.ConnectGreetedAsync(gateway.SmtpEndPoint))
            {
                RawSmtpClient.Reply reply;
                do
                {
                    try
                    {
                        await client.BeginDataAsync();
                    }
                    catch (IOException ex)
                    {
                        Assert.Fail($"the gateway dropped the connection ({ex.Message}); its output:\n{gateway.Output}");
                    }
                    reply = await client.CommandAsync(Body + ".");
                    if (reply.Code == 250)
                        acknowledged.Add(reply.Last[^15..]);
                }
                while (reply.Code == 250 && acknowledged.Count < 300);
                Assert.Equal("451 4.3.0 Error: queue file write error, try again later", reply.Last);

                // The failed spool takes no more mail: clients hear so at MAIL, before sending a body.
                // (It must not restart itself yet either: the disk is still full.)
                var mail = await client.CommandAsync("MAIL FROM:<a@example.org>");
                Assert.True(mail.Last == "452 4.3.1 Insufficient system storage", $"{mail.Last}\n{gateway.Output}");
            }

            // Space comes back: the gateway restarts itself in-process, recovers the spool and takes mail again.
            File.Delete(ballast);
            for (var i = 0; i < 100 && gateway.Starts < 2; i++)
                await Task.Delay(100, TestContext.Current.CancellationToken);
            Assert.True(gateway.Starts == 2, gateway.Output);
            await using (var client = await RawSmtpClient.ConnectGreetedAsync(gateway.SmtpEndPoint))
            {
                await client.BeginDataAsync();
                var resumed = await client.CommandAsync(Body + ".");
                Assert.Equal(250, resumed.Code);
                acknowledged.Add(resumed.Last[^15..]);
            }
            await gateway.KillAsync();
        }
        // Every acknowledged message is there and whole (its SHA-256 checks out).
        await using var spool = MessageSpool.Open(Path.Combine(data, "spool"), Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
        foreach (var id in acknowledged)
        {
            Assert.True(spool.Index.TryGet(id, out var message), $"acknowledged {id} was lost");
            await spool.ReadContentAsync(message.Envelope, TestContext.Current.CancellationToken);
        }
    }

    [Fact]
    public async Task A_delivery_whose_outcome_cannot_be_recorded_is_not_repeated_while_the_spool_is_failed()
    {
        using var disk = Tmpfs.Mount(96);
        var ballast = disk.Ballast(40);
        var data = Path.Combine(disk.Path, "data");
        await using var hop = ScriptedNextHop.Start();
        await using var gateway = await GatewayProcess.StartAsync(data, "--Spool:MinimumFreeBytes", "0", "--Spool:MaintenanceInterval", "00:00:00.300",
            "--relay-to", $"127.0.0.1:{hop.Port}", "--Queue:Suspended", "false", "--Queue:RetryInitialDelay", "00:00:00.200", "--Queue:RetryJitter", "0");
        await using (var client = await RawSmtpClient.ConnectGreetedAsync(gateway.SmtpEndPoint))
        {
            RawSmtpClient.Reply reply;
            var sent = 0;
            do
            {
                // Each its own message: one identical to a delivered one would be answered 250 and not stored (docs/dedup.md).
                await client.BeginDataAsync();
                reply = await client.CommandAsync($"Message-ID: <fill-{sent}@example.org>\r\n" + Body + ".");
            }
            while (reply.Code == 250 && ++sent < 300);
            Assert.Equal(451, reply.Code);
        }

        // The disk stays full for a while: each message reached the next hop at most once meanwhile.
        await Task.Delay(TimeSpan.FromSeconds(3), TestContext.Current.CancellationToken);
        var deliveries = hop.Messages.Select(m => QueueIdOf().Match(m.Text).Groups[1].Value).CountBy(id => id).ToList();
        Assert.True(deliveries.All(d => d.Value == 1), "delivered again while the spool was failed: "
            + string.Join(", ", deliveries.Where(d => d.Value > 1).Select(d => $"{d.Key} x{d.Value}")));
        File.Delete(ballast);
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"with E?SMTPS?A? id ([0-9A-Z]{15})")]
    private static partial System.Text.RegularExpressions.Regex QueueIdOf();
}

[CollectionDefinition(nameof(DiskFullTests), DisableParallelization = true)]
public sealed class DiskFullCollection;
