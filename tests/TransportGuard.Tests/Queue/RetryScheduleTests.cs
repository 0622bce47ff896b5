using FsCheck;
using FsCheck.Fluent;
using TransportGuard.Queue;

namespace TransportGuard.Tests.Queue;

public sealed class RetryScheduleTests
{
    private static readonly QueueOptions Options = new() { RetryInitialDelay = TimeSpan.FromMinutes(1), RetryMaxDelay = TimeSpan.FromHours(1), RetryJitter = 0.2 };
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Without_jitter_the_wait_doubles_up_to_the_cap()
    {
        var options = new QueueOptions { RetryInitialDelay = TimeSpan.FromMinutes(1), RetryMaxDelay = TimeSpan.FromMinutes(10), RetryJitter = 0 };
        var waits = Enumerable.Range(1, 6).Select(n => RetrySchedule.Next(Now, n, Now.AddDays(5), options, 0.5) - Now).ToList();
        Assert.Equal([1, 2, 4, 8, 10, 10], waits.Select(w => w.TotalMinutes));
    }

    [FsCheck.Xunit.Property(MaxTest = 500)]
    public bool The_next_attempt_is_within_the_jittered_bounds_and_never_after_expiry(PositiveInt attempts, NormalFloat random, PositiveInt hoursLeft)
    {
        var sample = Math.Abs(random.Get) % 1;
        var expires = Now.AddHours(hoursLeft.Get % 200);
        var next = RetrySchedule.Next(Now, attempts.Get, expires, Options, sample);
        var nominal = Math.Min(Options.RetryMaxDelay.TotalSeconds, Options.RetryInitialDelay.TotalSeconds * Math.Pow(2, Math.Min(attempts.Get - 1, 30)));
        var wait = (next - Now).TotalSeconds;
        // Capped at expiry only when the jittered delay would have gone past it.
        var capped = next == expires && (expires - Now).TotalSeconds <= nominal * 1.2 + 0.001;
        return next <= expires && (capped || (wait >= nominal * 0.8 - 0.001 && wait <= nominal * 1.2 + 0.001));
    }
}
