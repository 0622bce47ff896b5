using System.Collections.Concurrent;
using System.Text;
using System.Text.RegularExpressions;
using TransportGuard.Tests.Support;

namespace TransportGuard.Tests.Spool;

/// <summary>
/// The crash story with real processes: concurrent clients record every 250 while the gateway is SIGKILLed at
/// random moments (during DATA, during commits, during recovery itself), restarted on the same spool, again and
/// again. At the end every acknowledged message must be there byte for byte, and every message there must be
/// whole. TG_CRASH_CYCLES sets a longer run by hand (default 4 in CI).
/// </summary>
public sealed partial class CrashRecoveryTests
{
    private static int Cycles => int.TryParse(Environment.GetEnvironmentVariable("TG_CRASH_CYCLES"), out var n) ? n : 4;

    /// <summary>The body a sender sends for its n-th message: sizes from tiny to several 64 KiB chunks.</summary>
    private static string Body(int cycle, int sender, int n)
    {
        var lines = (cycle * 31 + sender * 17 + n * 13) % 7 switch { 0 => 2000, 1 => 600, _ => 5 + n % 40 };
        var builder = new StringBuilder($"Subject: c{cycle} s{sender} n{n}\r\n\r\n");
        for (var i = 0; i < lines; i++)
            builder.Append(CultureInfoInvariant($"line {i} of c{cycle} s{sender} n{n} ")).Append('.', i % 3).Append("\r\n");
        return builder.ToString();
    }

    private static string CultureInfoInvariant(FormattableString text) => FormattableString.Invariant(text);

    [Fact]
    public async Task Every_acknowledged_message_survives_repeated_sigkill_and_recovery()
    {
        var data = TempDirectory.Create("crash-story");
        var acknowledged = new ConcurrentDictionary<string, string>(); // queue id -> the body we sent
        for (var cycle = 0; cycle < Cycles; cycle++)
        {
            await using var gateway = await GatewayProcess.StartAsync(data);
            using var stop = new CancellationTokenSource();
            var senders = Enumerable.Range(0, 6).Select(s => SendUntilKilledAsync(gateway, cycle, s, acknowledged, stop.Token)).ToArray();
            await Task.Delay(Random.Shared.Next(300, 1500), TestContext.Current.CancellationToken);
            await gateway.KillAsync();
            await stop.CancelAsync();
            await Task.WhenAll(senders);

            // Kill once more while the restarted gateway is still recovering.
            await using var recovering = GatewayProcess.Launch(data);
            await Task.Delay(Random.Shared.Next(20, 400), TestContext.Current.CancellationToken);
            await recovering.KillAsync();
        }

        var stored = StoredMessage.ReadOffline(data); // reading checks each message's length and SHA-256
        var byId = stored.ToDictionary(m => m.Envelope.QueueId);
        TestContext.Current.TestOutputHelper?.WriteLine($"{Cycles} crash cycles: {acknowledged.Count} acknowledged, {stored.Count} recovered");
        Assert.NotEmpty(acknowledged);
        foreach (var (id, body) in acknowledged)
        {
            Assert.True(byId.TryGetValue(id, out var message), $"acknowledged {id} was lost");
            Assert.Equal(body, message.Body);
        }
        // Anything else there is a whole message whose 250 the kill cut off, never a fragment.
        foreach (var message in stored.Where(m => !acknowledged.ContainsKey(m.Envelope.QueueId)))
        {
            var subject = SubjectLine().Match(message.Body);
            Assert.True(subject.Success);
            Assert.Equal(Body(int.Parse(subject.Groups[1].Value), int.Parse(subject.Groups[2].Value), int.Parse(subject.Groups[3].Value)), message.Body);
        }
        TempDirectory.Delete(data);
    }

    private static async Task SendUntilKilledAsync(GatewayProcess gateway, int cycle, int sender, ConcurrentDictionary<string, string> acknowledged, CancellationToken stop)
    {
        try
        {
            await using var client = await RawSmtpClient.ConnectGreetedAsync(gateway.SmtpEndPoint);
            for (var n = 0; !stop.IsCancellationRequested; n++)
            {
                await client.BeginDataAsync($"s{sender}@example.org", $"n{n}@example.com");
                var body = Body(cycle, sender, n);
                var stuffed = body.Replace("\r\n.", "\r\n..", StringComparison.Ordinal);
                var reply = await client.CommandAsync(stuffed + ".");
                Assert.Equal(250, reply.Code);
                acknowledged[reply.Last[^15..]] = body;
            }
        }
        catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException or OperationCanceledException)
        {
            // The gateway was killed under this client.
        }
    }

    [GeneratedRegex(@"^Subject: c(\d+) s(\d+) n(\d+)\r\n")]
    private static partial Regex SubjectLine();
}
