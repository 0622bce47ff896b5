using System.Diagnostics;
using System.Net;
using System.Text.RegularExpressions;

namespace TransportGuard.Tests.Support;

/// <summary>
/// The real `transportguard` executable in its own process, started with the same switches scripts use, so
/// tests can kill it with SIGKILL and look at what it left on disk.
/// </summary>
internal sealed partial class GatewayProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly List<string> _output = [];
    private readonly TaskCompletionSource<IPEndPoint> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _httpListening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private GatewayProcess(Process process) => _process = process;

    private readonly List<IPEndPoint> _endPoints = [];

    /// <summary>Where the gateway listens now (after an in-process restart, the latest listener).</summary>
    public IPEndPoint SmtpEndPoint
    {
        get
        {
            lock (_endPoints)
                return _endPoints.Count > 0 ? _endPoints[^1] : _listening.Task.Result;
        }
    }

    /// <summary>How many times the gateway has started listening (more than once after an in-process restart).</summary>
    public int Starts
    {
        get
        {
            lock (_endPoints)
                return _endPoints.Count;
        }
    }
    public int ProcessId => _process.Id;

    /// <summary>Its data directory, where it keeps the admin token it generated (docs/operations.md).</summary>
    public string DataDirectory { get; private init; } = "";

    public string Output
    {
        get
        {
            lock (_output)
                return string.Join('\n', _output);
        }
    }

    /// <summary>The path of the built gateway, copied beside the tests by the project reference.</summary>
    public static string Executable => Path.Combine(AppContext.BaseDirectory, "transportguard.dll");

    /// <summary>Starts the gateway and waits until it listens (its spool recovered).</summary>
    public static async Task<GatewayProcess> StartAsync(string dataDirectory, params string[] extraArgs)
    {
        var gateway = Launch(dataDirectory, extraArgs);
        await gateway._listening.Task.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        // HTTP is always on (Launch passes --http); Kestrel reports its port just after SMTP binds.
        await gateway._httpListening.Task.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        return gateway;
    }

    /// <summary>Starts the gateway without waiting for it, e.g. to kill it during recovery.</summary>
    public static GatewayProcess Launch(string dataDirectory, params string[] extraArgs)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { Executable, "--smtp", "127.0.0.1:0", "--data", dataDirectory, "--hostname", "mx.test.local", "--http", "127.0.0.1:0", "--Queue:Suspended", "true" }.Concat(extraArgs))
            info.ArgumentList.Add(arg);
        var gateway = new GatewayProcess(Process.Start(info)!) { DataDirectory = dataDirectory };
        gateway._process.OutputDataReceived += (_, e) => gateway.OnLine(e.Data);
        gateway._process.ErrorDataReceived += (_, e) => gateway.OnLine(e.Data);
        gateway._process.BeginOutputReadLine();
        gateway._process.BeginErrorReadLine();
        _ = gateway._process.WaitForExitAsync().ContinueWith(_ =>
        {
            var exited = new InvalidOperationException("gateway exited before listening:\n" + gateway.Output);
            gateway._listening.TrySetException(exited);
            gateway._httpListening.TrySetException(exited);
        }, TaskScheduler.Default);
        return gateway;
    }

    private void OnLine(string? line)
    {
        if (line is null)
            return;
        lock (_output)
            _output.Add(line);
        if (HttpLine().Match(line) is { Success: true } http)
        {
            HttpAddress = new Uri(http.Groups[1].Value);
            _httpListening.TrySetResult();
        }
        if (ListeningLine().Match(line) is { Success: true } match)
        {
            var endPoint = IPEndPoint.Parse(match.Groups[1].Value);
            lock (_endPoints)
                _endPoints.Add(endPoint);
            _listening.TrySetResult(endPoint);
        }
    }

    /// <summary>SIGKILL: no shutdown code runs, as in a crash.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
            _process.Kill();
        await _process.WaitForExitAsync(TestContext.Current.CancellationToken);
    }

    /// <summary>SIGSTOP (<paramref name="freeze"/>) or SIGCONT: a node that stops answering without dying, then resumes.</summary>
    public async Task SignalAsync(bool freeze)
    {
        using var signal = Process.Start("kill", [freeze ? "-STOP" : "-CONT", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        await signal.WaitForExitAsync(TestContext.Current.CancellationToken);
    }

    /// <summary>SIGTERM, as an init system stops a service; returns the exit code.</summary>
    public async Task<int> TerminateAsync()
    {
        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            await kill.WaitForExitAsync(TestContext.Current.CancellationToken);
        await _process.WaitForExitAsync(TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            await SignalAsync(freeze: false); // a frozen process cannot die until it runs again
            await KillAsync();
        }
        _process.Dispose();
    }

    /// <summary>The HTTP endpoint (metrics, health, admin API) once it listens.</summary>
    public Uri? HttpAddress { get; private set; }

    [GeneratedRegex(@"HTTP listening on (http://\S+)")]
    private static partial Regex HttpLine();

    [GeneratedRegex(@"SMTP listening on (\S+) \(implicit TLS: False\)")]
    private static partial Regex ListeningLine();
}
