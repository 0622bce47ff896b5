using System.Diagnostics;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging.Abstractions;
using TransportGuard.Smtp;
using TransportGuard.Smtp.Protocol;
using TransportGuard.Spool;

namespace TransportGuard.Bench;

// Spool steady state: N messages flow through the spool as through a relay that keeps `backlog` of them queued
// (awaiting delivery) and finishes the oldest as each new one is acknowledged, with the maintenance pass running
// as in the gateway. Reports throughput and the spool's disk use at the end, which must stay near the backlog's
// size plus a segment or two, however large N is. With a Safety Net bound (MiB, 0 = off) every finished message is
// retained as a delivery and the Safety Net's janitor enforces the bound: disk use must then stay near the backlog
// plus the bound plus a segment or two (docs/safetynet.md, Space).
//   dotnet run -c Release --project bench/TransportGuard.Bench -- [messages] [size] [backlog] [writers] [safetynet-MiB]
internal static class SteadyState
{
    public static async Task RunAsync(string[] args)
    {
        var total = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 1_000_000;
        var size = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 2048;
        var backlog = args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 10_000;
        var writers = args.Length > 3 ? int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture) : 64;
        var safetyNetBytes = (args.Length > 4 ? long.Parse(args[4], System.Globalization.CultureInfo.InvariantCulture) : 0) * 1024 * 1024;

        var directory = Path.Combine(Path.GetTempPath(), $"tg-steady-{Guid.NewGuid():N}");
        var content = new byte[size];
        RandomNumberGenerator.Fill(content);
        var sha = Convert.ToHexString(SHA256.HashData(content));
        var identity = ContentIdentity.Of(content);
        var envelope = new MessageEnvelope("bench@example.org", [new EnvelopeRecipient("rcpt@example.com", EsmtpParameters.None)],
            EsmtpParameters.None, "127.0.0.1", "bench", false, DateTimeOffset.UtcNow);
        var ids = new QueueIdGenerator(TimeProvider.System);
        var queued = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var retained = new RetainedMessages { Enabled = safetyNetBytes > 0 };
        var spool = MessageSpool.Open(directory, NullLogger.Instance, retained: retained);
        var spoolOptions = Microsoft.Extensions.Options.Options.Create(new SpoolOptions { DataDirectory = directory, MinimumFreeBytes = 0 });
        var janitor = new SafetyNet.SafetyNetJanitor(retained, new DiskSpaceGuard(spoolOptions, TimeProvider.System),
            Microsoft.Extensions.Options.Options.Create(new SafetyNet.SafetyNetOptions { MaxBytes = safetyNetBytes }), spoolOptions,
            new SafetyNet.SafetyNetMetrics(new Telemetry.MetricsRegistry(), retained, TimeProvider.System), TimeProvider.System,
            NullLogger<SafetyNet.SafetyNetJanitor>.Instance);
        var delivered = new[] { new RecipientOutcome("rcpt@example.com", RecipientStatus.Delivered, "2.0.0", "250 2.0.0 Ok", "sink[127.0.0.1]:25",
            DateTimeOffset.UtcNow, "smtp:127.0.0.1:25", "smtp:127.0.0.1:25") };
        var watch = Stopwatch.StartNew();
        var sent = 0;
        var peakDisk = 0L;

        using var stop = new CancellationTokenSource();
        var maintenance = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                await Task.Delay(2000);
                janitor.Sweep();
                await SpoolMaintenance.RunOnceAsync(spool, compactionThresholdBytes: 512L * 1024 * 1024, CancellationToken.None);
                peakDisk = Math.Max(peakDisk, DiskUse(directory));
            }
        });

        await Task.WhenAll(Enumerable.Range(0, writers).Select(_ => Task.Run(async () =>
        {
            while (Interlocked.Increment(ref sent) <= total)
            {
                var id = ids.Next();
                var chunks = new List<long>();
                await spool.AppendContentAsync(id, content, chunks, CancellationToken.None);
                await spool.CommitMessageAsync(SpooledEnvelope.From(envelope, id, chunks, content.Length, sha, identity));
                queued.Enqueue(id);
                // The relay keeps `backlog` messages waiting; beyond it, the oldest one has been delivered.
                while (queued.Count > backlog && queued.TryDequeue(out var oldest))
                    await spool.MarkFinishedAsync(oldest, "delivered", delivered);
            }
        })));
        var elapsed = watch.Elapsed;
        await stop.CancelAsync();
        await maintenance;
        janitor.Sweep();
        await SpoolMaintenance.RunOnceAsync(spool, 512L * 1024 * 1024, CancellationToken.None);

        if (retained.Enabled)
            Console.WriteLine($"Safety Net: {retained.Count:N0} messages ({retained.Bytes / 1048576.0:F0} MiB of content) within {safetyNetBytes / 1048576:N0} MiB");
        Console.WriteLine($"{total:N0} messages of {size:N0} bytes through the spool in {elapsed.TotalSeconds:F1} s ({total / elapsed.TotalSeconds:N0}/s, {writers} writers, {spool.Commits:N0} commits)");
        Console.WriteLine($"backlog kept queued: {spool.Index.Count:N0} messages ({spool.Index.Bytes / 1048576.0:F0} MiB of content)");
        Console.WriteLine($"log span: {(spool.TailAddress - spool.BeginAddress) / 1048576.0:F0} MiB; disk use at end: {DiskUse(directory) / 1048576.0:F0} MiB; peak: {peakDisk / 1048576.0:F0} MiB; written in all: {spool.TailAddress / 1048576.0:F0} MiB");
        await spool.DisposeAsync();
        Directory.Delete(directory, recursive: true);
    }

    private static long DiskUse(string path) =>
        new DirectoryInfo(path).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length);
}
