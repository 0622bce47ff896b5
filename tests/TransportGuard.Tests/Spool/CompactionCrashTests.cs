using System.Diagnostics;
using TransportGuard.Bench;
using TransportGuard.Spool;
using TransportGuard.Tests.Support;

namespace TransportGuard.Tests.Spool;

/// <summary>
/// SIGKILL while compaction and truncation run: a real process churns the spool (acknowledging, finishing,
/// compacting, truncating) and is killed at random moments, again and again on the same spool. Every acknowledged
/// message not yet being finished must survive byte for byte, and every finished one must stay gone.
/// </summary>
public sealed class CompactionCrashTests
{
    [Fact]
    public async Task Acknowledged_messages_survive_sigkill_during_compaction_and_finished_ones_stay_gone()
    {
        var directory = TempDirectory.Create("churn");
        var acknowledged = new Dictionary<string, (int Seed, int Size)>();
        var finishing = new HashSet<string>();
        var finished = new HashSet<string>();
        var truncations = 0;
        // Four kills at least; more (up to twelve) until truncation has freed the head once, which a slow machine
        // may not reach in four short lives.
        for (var cycle = 0; cycle < 4 || Volatile.Read(ref truncations) == 0 && cycle < 12; cycle++)
        {
            var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "TransportGuard.Bench.dll"));
            info.ArgumentList.Add("churn");
            info.ArgumentList.Add(directory);
            using var process = Process.Start(info)!;
            process.OutputDataReceived += (_, e) =>
            {
                var parts = e.Data?.Split(' ');
                lock (acknowledged)
                {
                    switch (parts)
                    {
                        case ["ACK", var id, var seed, var size]: acknowledged[id] = (int.Parse(seed), int.Parse(size)); started.TrySetResult(); break;
                        case ["TRUNCATED", _]: Interlocked.Increment(ref truncations); break;
                        case ["FINISHING", var id]: finishing.Add(id); break;
                        case ["FIN", var id]: finished.Add(id); break;
                    }
                }
            };
            process.BeginOutputReadLine();
            await started.Task.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken); // its first commit: past start-up
            await Task.Delay(Random.Shared.Next(500, 2000), TestContext.Current.CancellationToken);
            if (process.HasExited)
                Assert.Fail("the churn process died by itself: " + await process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken));
            process.Kill();
            await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        }

        await using var spool = MessageSpool.Open(directory, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
        Assert.True(finished.Count > 0 && spool.Recovery.Records > 0, $"{finished.Count} finished, {spool.Recovery.Records} records recovered, {truncations} truncation(s)");
        foreach (var (id, (seed, size)) in acknowledged.Where(a => !finishing.Contains(a.Key)))
        {
            Assert.True(spool.Index.TryGet(id, out var message), $"acknowledged {id} was lost");
            Assert.Equal(Churn.Content(seed, size), await spool.ReadContentAsync(message.Envelope, TestContext.Current.CancellationToken));
        }
        Assert.All(finished, id => Assert.False(spool.Index.TryGet(id, out _), $"finished {id} came back"));
        Assert.True(spool.BeginAddress > 64, "truncation freed the head at least once");
        TempDirectory.Delete(directory);
    }
}
