using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace TransportGuard.Tests.Support;

internal sealed record LogEvent(int Id, LogLevel Level, string Message);

/// <summary>Keeps every log line of a component with its event id, to count how often it spoke.</summary>
internal sealed class RecordingLogger<T> : ILogger<T>
{
    private readonly ConcurrentQueue<LogEvent> _events = new();

    public IReadOnlyList<LogEvent> Events => [.. _events];

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        _events.Enqueue(new LogEvent(eventId.Id, logLevel, formatter(state, exception)));
}
