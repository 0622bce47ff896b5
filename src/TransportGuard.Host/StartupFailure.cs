using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using TransportGuard.Admin;
using TransportGuard.Configuration;
using TransportGuard.Smtp;

namespace TransportGuard;

/// <summary>
/// Why the gateway did not start, said in one line on stderr (exit code 2): an operator or an init system needs the
/// cause, not a stack trace. A bad option gets a line per bad key, as it always has.
/// </summary>
/// <param name="listeners">The endpoints the gateway was to listen on, to find the one that could not be bound.</param>
internal sealed class StartupFailure(Exception exception, IReadOnlyList<(string Name, IPEndPoint EndPoint)> listeners)
{
    public const int ExitCode = 2;

    /// <summary>Every listener the configuration asks for; none if the configuration itself is bad.</summary>
    public static IReadOnlyList<(string Name, IPEndPoint EndPoint)> Listeners(IServiceProvider services)
    {
        try
        {
            var smtp = services.GetRequiredService<IOptions<SmtpServerOptions>>().Value;
            var http = services.GetRequiredService<IOptions<HttpOptions>>().Value;
            return [
                .. Parsed("SMTP", smtp.ListenEndpoints()),
                .. Parsed("SMTP (implicit TLS)", smtp.ImplicitTlsEndpoints()),
                .. http.EndPoints().Select(e => ("HTTP", e)),
            ];
        }
        catch (OptionsValidationException)
        {
            return [];
        }
    }

    public int Report()
    {
        var bad = BadOptions(exception);
        if (bad.Count > 0)
        {
            foreach (var failure in bad.SelectMany(b => b.Failures))
                Console.Error.WriteLine($"transportguard: configuration error: {failure}");
            return ExitCode;
        }
        var cause = Causes(exception).Any(e => e is SocketException) ? Unbindable() ?? OneLine(exception) : OneLine(exception);
        Console.Error.WriteLine($"transportguard: cannot start: {cause}");
        return ExitCode;
    }

    /// <summary>
    /// The SMTP listener's socket error does not say which endpoint it was binding, and Kestrel's says it only for an
    /// address in use; so with the gateway's own listeners closed, each configured endpoint is tried in turn and the
    /// first that still cannot be bound is named.
    /// </summary>
    private string? Unbindable()
    {
        foreach (var (name, endPoint) in listeners)
        {
            using var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                socket.Bind(endPoint);
            }
            catch (SocketException ex)
            {
                return $"{name} listener {endPoint}: {ex.Message}";
            }
        }
        return null;
    }

    /// <summary>Options validated at start come one per options class, or several in an AggregateException.</summary>
    private static List<OptionsValidationException> BadOptions(Exception exception) =>
        exception is AggregateException aggregate && aggregate.InnerExceptions.All(e => e is OptionsValidationException)
            ? [.. aggregate.InnerExceptions.Cast<OptionsValidationException>()]
            : exception is OptionsValidationException bad ? [bad] : [];

    private static IEnumerable<Exception> Causes(Exception exception)
    {
        yield return exception;
        var inner = exception is AggregateException aggregate ? aggregate.InnerExceptions : exception.InnerException is { } e ? [e] : [];
        foreach (var cause in inner.SelectMany(Causes))
            yield return cause;
    }

    /// <summary>The message, with its inner exception's when that adds something (a JSON error in a --config file).</summary>
    private static string OneLine(Exception exception)
    {
        var text = exception.Message;
        if (exception is not AggregateException && exception.InnerException is { } inner && !text.Contains(inner.Message, StringComparison.OrdinalIgnoreCase))
            text += $" ({inner.Message})";
        return string.Join(' ', text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
    }

    private static IEnumerable<(string, IPEndPoint)> Parsed(string name, IEnumerable<string> endpoints)
    {
        foreach (var text in endpoints)
        {
            if (Check.TryParseEndpoint(text, out var endPoint))
                yield return (name, endPoint);
        }
    }
}
