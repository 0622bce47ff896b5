namespace TransportGuard.Tests.Support;

/// <summary>
/// Waiting on real processes and sockets: polls a condition until it holds, and fails the test with a message built
/// when it fails (so it shows the state at the deadline, not at the start) once the timeout has passed.
/// </summary>
internal static class Eventually
{
    public static Task UntilAsync(Func<bool> condition, TimeSpan timeout, Func<string> failure, int pollMilliseconds = 20) =>
        UntilAsync(() => Task.FromResult(condition()), timeout, failure, pollMilliseconds);

    public static async Task UntilAsync(Func<Task<bool>> condition, TimeSpan timeout, Func<string> failure, int pollMilliseconds = 20)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow >= deadline)
                Assert.Fail(failure());
            await Task.Delay(pollMilliseconds, TestContext.Current.CancellationToken);
        }
    }
}
