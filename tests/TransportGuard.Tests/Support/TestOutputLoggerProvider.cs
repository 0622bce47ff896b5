using Microsoft.Extensions.Logging;

namespace TransportGuard.Tests.Support;

/// <summary>
/// Sends an in-process gateway's log lines to the output of the test that started it, so a failed test shows
/// what its gateway did and a passing run's console stays clean (CI reads the tail of that console).
/// </summary>
internal sealed class TestOutputLoggerProvider(ITestOutputHelper? output) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => new Logger(output, categoryName[(categoryName.LastIndexOf('.') + 1)..]);

    public void Dispose()
    {
    }

    private sealed class Logger(ITestOutputHelper? output, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => output is not null && logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
                return;
            var line = $"{DateTime.UtcNow:HH:mm:ss.fff} {logLevel.ToString()[..4].ToLowerInvariant()} {category}: {formatter(state, exception)}";
            if (exception is not null)
                line += Environment.NewLine + exception;
            try
            {
                output!.WriteLine(line);
            }
            catch (InvalidOperationException)
            {
                // The test has finished while its gateway is still stopping; nobody reads that output any more.
            }
        }
    }
}
