using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace TransportGuard.Tests.Support;

public enum RedisKind
{
    /// <summary>Debian's redis-server.</summary>
    Redis,

    /// <summary>Microsoft's Garnet, the .NET tool that .ci/install-tools.sh puts in <see cref="RedisServer.GarnetDirectory"/>.</summary>
    Garnet,
}

/// <summary>
/// A Redis-protocol server of the test's own on a free loopback port, without persistence: it answers PING before
/// <see cref="StartAsync"/> returns and is killed at dispose. It can be stopped and started again on the same port
/// (empty, as a restarted server without persistence is), and paused with SIGSTOP (connected but silent).
/// </summary>
internal sealed class RedisServer : IAsyncDisposable
{
    public const string GarnetDirectory = "/opt/garnet";

    private readonly string _binary;
    private readonly StringBuilder _output = new();
    private Process? _process;

    private RedisServer(RedisKind kind, string binary, int port)
    {
        Kind = kind;
        _binary = binary;
        Port = port;
    }

    public RedisKind Kind { get; }
    public int Port { get; }

    /// <summary>A StackExchange.Redis configuration string (Dedup:Redis) naming this server.</summary>
    public string Configuration => $"127.0.0.1:{Port}";

    /// <summary>Starts a server on <paramref name="port"/>, or on a free port.</summary>
    public static async Task<RedisServer> StartAsync(RedisKind kind, int? port = null)
    {
        var binary = kind == RedisKind.Redis ? ExternalTool.Require("redis-server") : ExternalTool.Require("garnet-server", GarnetDirectory);
        var server = new RedisServer(kind, binary, port ?? PostfixInstance.FreePort());
        await server.StartAgainAsync();
        return server;
    }

    /// <summary>Kills the server (SIGKILL: connections are reset, nothing is said).</summary>
    public async Task StopAsync()
    {
        if (_process is null)
            return;
        if (!_process.HasExited)
            _process.Kill();
        await _process.WaitForExitAsync();
        _process.Dispose();
        _process = null;
    }

    /// <summary>Starts the server again on the same port, empty.</summary>
    public async Task StartAgainAsync()
    {
        Assert.Null(_process);
        var port = Port.ToString(CultureInfo.InvariantCulture);
        string[] arguments = Kind == RedisKind.Redis
            ? ["--port", port, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no"]
            // Small: by default Garnet sizes its log for 16 GB in 16 MB pages and its hash index at 128 MB.
            : ["--port", port, "--bind", "127.0.0.1", "--memory", "64m", "--page", "1m", "--index", "1m"];
        var info = new ProcessStartInfo(_binary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            // No working directory of ours gets a dump.rdb or a Garnet checkpoint.
            WorkingDirectory = Path.GetTempPath(),
        };
        foreach (var argument in arguments)
            info.ArgumentList.Add(argument);
        var process = Process.Start(info)!;
        process.OutputDataReceived += (_, e) => Keep(e.Data);
        process.ErrorDataReceived += (_, e) => Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
        await Eventually.UntilAsync(async () => process.HasExited || await TryCommandAsync("PING") == "+PONG", TimeSpan.FromSeconds(30),
            () => $"{Kind} did not answer PING on port {Port}: {Output}", 50);
        Assert.False(process.HasExited, $"{Kind} exited at start (port {Port}): {Output}");
    }

    /// <summary>SIGSTOP: the server keeps its connections open and answers nothing.</summary>
    public Task PauseAsync() => SignalAsync("-STOP");

    /// <summary>SIGCONT: the paused server answers again.</summary>
    public Task ResumeAsync() => SignalAsync("-CONT");

    private async Task SignalAsync(string signal)
    {
        var pid = _process!.Id.ToString(CultureInfo.InvariantCulture);
        var result = await ProcessRunner.RunAsync(File.Exists("/usr/bin/kill") ? "/usr/bin/kill" : "/bin/kill", [signal, pid], TimeSpan.FromSeconds(10));
        Assert.True(result.ExitCode == 0, $"kill {signal} {pid}: {result.Error}");
    }

    /// <summary>One command over a connection of its own, for checking what the server holds; the reply's first line, or
    /// for a bulk string its content (null for a nil). Fails the test when the server does not answer.</summary>
    public async Task<string?> CommandAsync(params string[] arguments)
    {
        var reply = await TryCommandAsync(arguments);
        return reply != Unanswered ? reply : throw new Xunit.Sdk.XunitException($"{Kind} on port {Port} did not answer {arguments[0]}");
    }

    private const string Unanswered = "\0unanswered";

    private async Task<string?> TryCommandAsync(params string[] arguments)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(2));
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, Port, timeout.Token);
            var stream = client.GetStream();
            var request = new StringBuilder().Append('*').Append(arguments.Length).Append("\r\n");
            foreach (var argument in arguments)
                request.Append('$').Append(Encoding.UTF8.GetByteCount(argument)).Append("\r\n").Append(argument).Append("\r\n");
            await stream.WriteAsync(Encoding.UTF8.GetBytes(request.ToString()), timeout.Token);
            using var reader = new StreamReader(stream, Encoding.UTF8);
            var first = await reader.ReadLineAsync(timeout.Token);
            if (first is null)
                return Unanswered;
            if (!first.StartsWith('$'))
                return first;
            return first == "$-1" ? null : await reader.ReadLineAsync(timeout.Token);
        }
        catch (Exception e) when (e is SocketException or IOException || (e is OperationCanceledException && !TestContext.Current.CancellationToken.IsCancellationRequested))
        {
            return Unanswered;
        }
    }

    private void Keep(string? line)
    {
        if (line is null)
            return;
        lock (_output)
        {
            if (_output.Length < 16_384)
                _output.AppendLine(line);
        }
    }

    private string Output
    {
        get
        {
            lock (_output)
                return _output.ToString();
        }
    }

    public async ValueTask DisposeAsync() => await StopAsync(); // SIGKILL ends a paused (stopped) process too
}
