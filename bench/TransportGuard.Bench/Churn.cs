using System.Security.Cryptography;
using Microsoft.Extensions.Logging.Abstractions;
using TransportGuard.Smtp;
using TransportGuard.Smtp.Protocol;
using TransportGuard.Spool;

namespace TransportGuard.Bench;

/// <summary>
/// Spool churn for crash tests: acknowledges messages, finishes most of them while a few old ones stay live and pin
/// the head, and runs compaction and truncation all the time, until it is killed. It prints what is durable, for
/// the test to check after a SIGKILL: "ACK id seed size" once a message's commit returned, "FINISHING id" before a
/// message is finished and "FIN id" once that is durable.
/// </summary>
public static class Churn
{
    public static byte[] Content(int seed, int size)
    {
        var content = new byte[size];
        new Random(seed).NextBytes(content);
        return content;
    }

    public static async Task RunAsync(string directory)
    {
        var spool = MessageSpool.Open(directory, NullLogger.Instance);
        var ids = new QueueIdGenerator(TimeProvider.System);
        var random = new Random();
        var live = spool.Index.Messages.Select(m => m.Envelope.QueueId).ToList();
        var envelope = new MessageEnvelope("churn@example.org", [new EnvelopeRecipient("rcpt@example.com", EsmtpParameters.None)],
            EsmtpParameters.None, "127.0.0.1", "churn", false, DateTimeOffset.UtcNow);
        for (var n = 0; ; n++)
        {
            var (seed, size) = (random.Next(), random.Next(100, 200_000));
            var content = Content(seed, size);
            var id = ids.Next();
            var chunks = new List<long>();
            for (var offset = 0; offset < size; offset += 64 * 1024)
                await spool.AppendContentAsync(id, content.AsMemory(offset, Math.Min(64 * 1024, size - offset)), chunks, CancellationToken.None);
            await spool.CommitMessageAsync(SpooledEnvelope.From(envelope, id, chunks, size, Convert.ToHexString(SHA256.HashData(content)), ContentIdentity.Of(content)));
            Console.WriteLine($"ACK {id} {seed} {size}");
            live.Add(id);
            // Keep the five oldest live: they pin the head, so compaction has to copy them forward.
            while (live.Count > 12)
            {
                var victim = live[5 + random.Next(live.Count - 5)];
                Console.WriteLine($"FINISHING {victim}");
                await spool.MarkFinishedAsync(victim, "churn");
                Console.WriteLine($"FIN {victim}");
                live.Remove(victim);
            }
            if (n % 8 == 0 && (await SpoolMaintenance.RunOnceAsync(spool, compactionThresholdBytes: 1024 * 1024, CancellationToken.None)).Freed > 0)
                Console.WriteLine($"TRUNCATED {spool.BeginAddress}");
        }
    }
}
