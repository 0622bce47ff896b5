using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace TransportGuard.Tests.Support;

/// <summary>
/// A private Postfix on loopback relaying to a given port, made by the same script the benchmarks use
/// (bench/lib/postfix-instance.sh, after docs/testing.md). Needs root and Postfix installed.
/// </summary>
internal sealed class PostfixInstance : IAsyncDisposable
{
    private readonly string _directory;

    private PostfixInstance(string directory, int port)
    {
        _directory = directory;
        Port = port;
    }

    public int Port { get; }
    public string Address => $"127.0.0.1:{Port}";
    public string MailLog => File.Exists(Path.Combine(_directory, "maillog")) ? File.ReadAllText(Path.Combine(_directory, "maillog")) : "";

    public static async Task<PostfixInstance> StartAsync(int relayPort)
    {
        ExternalTool.Require("postfix");
        var directory = Directory.CreateTempSubdirectory("tg-postfix-").FullName;
        var port = FreePort();
        var result = await ProcessRunner.RunAsync("bash", [Script, "start", directory, port.ToString(System.Globalization.CultureInfo.InvariantCulture), relayPort.ToString(System.Globalization.CultureInfo.InvariantCulture)], TimeSpan.FromSeconds(60));
        Assert.True(result.ExitCode == 0, $"postfix did not start: {result.Output}{result.Error}");
        return new PostfixInstance(directory, port);
    }

    public static string Script => RepositoryFiles.PathOf("bench/lib/postfix-instance.sh");

    /// <summary>A port free right now (bound and released; fine on loopback for a test's lifetime).</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        await ProcessRunner.RunAsync("bash", [Script, "stop", _directory], TimeSpan.FromSeconds(60));
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // Postfix may still be writing its log as it goes.
        }
    }
}

/// <summary>Postfix's smtp-sink writing every message it accepts to its own file.</summary>
internal sealed class SmtpSink : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _directory;

    private SmtpSink(Process process, string directory, int port)
    {
        _process = process;
        _directory = directory;
        Port = port;
    }

    public int Port { get; }
    public string Address => $"127.0.0.1:{Port}";

    public static SmtpSink Start()
    {
        var directory = Directory.CreateTempSubdirectory("tg-sink-").FullName;
        var chown = Process.Start("chown", ["postfix", directory]);
        chown.WaitForExit();
        var port = PostfixInstance.FreePort();
        return new SmtpSink(Launch(directory, port), directory, port);
    }

    private static Process Launch(string directory, int port) =>
        Process.Start(new ProcessStartInfo(ExternalTool.Require("smtp-sink"), ["-u", "postfix", "-d", directory + "/m.", $"127.0.0.1:{port}", "100"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;

    /// <summary>SIGKILL, as a mailbox server that dies; what it wrote stays in its directory.</summary>
    public async Task KillAsync()
    {
        _process.Kill();
        await _process.WaitForExitAsync();
    }

    /// <summary>After <see cref="KillAsync"/>: the same server back on its port, with what it had.</summary>
    public SmtpSink Restart() => new(Launch(_directory, Port), _directory, Port);

    public IReadOnlyList<string> Messages() => [.. Directory.GetFiles(_directory).Select(File.ReadAllText)];

    public async Task<IReadOnlyList<string>> WaitForAsync(int count, TimeSpan timeout)
    {
        await Eventually.UntilAsync(() => Directory.GetFiles(_directory).Length >= count, timeout,
            () => $"{Directory.GetFiles(_directory).Length} of {count} message(s) reached smtp-sink", 50);
        await Task.Delay(100, TestContext.Current.CancellationToken); // let the last file be written out
        return Messages();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
            _process.Kill();
        await _process.WaitForExitAsync();
        _process.Dispose();
        if (Directory.Exists(_directory))
            Directory.Delete(_directory, recursive: true);
    }
}
