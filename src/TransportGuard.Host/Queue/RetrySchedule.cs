namespace TransportGuard.Queue;

/// <summary>Exponential backoff with jitter, capped, and never past the message's expiry (when it bounces).</summary>
internal static class RetrySchedule
{
    /// <param name="attempts">Deferrals so far, this one included (1 after the first).</param>
    /// <param name="random">A sample in [0, 1) for the jitter.</param>
    public static DateTimeOffset Next(DateTimeOffset now, int attempts, DateTimeOffset expiresAt, QueueOptions options, double random)
    {
        var doublings = Math.Clamp(attempts - 1, 0, 30);
        var ticks = Math.Min(options.RetryMaxDelay.Ticks, options.RetryInitialDelay.Ticks * Math.Pow(2, doublings));
        var spread = 1 + options.RetryJitter * (2 * random - 1);
        var next = now + TimeSpan.FromTicks((long)(ticks * spread));
        return next < expiresAt ? next : expiresAt;
    }
}
