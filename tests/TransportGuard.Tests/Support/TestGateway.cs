using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using TransportGuard.Smtp.Transport;
using TransportGuard.Spool;

namespace TransportGuard.Tests.Support;

/// <summary>
/// A whole gateway in this process, composed exactly as the executable composes it, on a free loopback port
/// with its own data directory. Extra settings are passed as configuration switches ("Smtp:Limits:MaxRecipients", "3").
/// </summary>
internal sealed class TestGateway : IAsyncDisposable
{
    private readonly IHost _host;

    private TestGateway(IHost host, string dataDirectory)
    {
        _host = host;
        DataDirectory = dataDirectory;
    }

    public string DataDirectory { get; }
    public MessageSpool Spool => _host.Services.GetRequiredService<SpoolService>().Spool;
    public IPEndPoint SmtpEndPoint => _host.Services.GetRequiredService<SmtpListener>().EndPoints[0];
    public IReadOnlyList<IPEndPoint> SmtpEndPoints => _host.Services.GetRequiredService<SmtpListener>().EndPoints;
    public int Port => SmtpEndPoint.Port;

    /// <summary>The HTTP endpoint (metrics, health, admin API), e.g. http://127.0.0.1:41234.</summary>
    public Uri HttpAddress => new(TransportGuard.Admin.HttpEndpoint.Addresses(_host.Services)[0]);
    public IServiceProvider Services => _host.Services;

    public static Task<TestGateway> StartAsync(params (string Key, string Value)[] settings) => StartAsync(null, settings);

    /// <summary>With <paramref name="time"/>, the whole gateway runs on that clock (a FakeTimeProvider in tests).</summary>
    public static Task<TestGateway> StartAsync(TimeProvider? time, params (string Key, string Value)[] settings) => StartAsync(time, null, settings);

    /// <summary>With <paramref name="services"/>, extra services too (a test's own plug-in at a seam).</summary>
    public static async Task<TestGateway> StartAsync(TimeProvider? time, Action<IServiceCollection>? services, params (string Key, string Value)[] settings)
    {
        var data = TempDirectory.Create("gateway");
        var args = new List<string> { "--smtp", "127.0.0.1:0", "--http", "127.0.0.1:0", "--data", data, "--hostname", "mx.test.local", "--Logging:LogLevel:Default", "Warning", "--Logging:LogLevel:Microsoft.Hosting.Lifetime", "Warning",
            // Receiving tests look at the spool: delivery is off unless a test turns it on ("Queue:Suspended", "false").
            "--Queue:Suspended", "true" };
        foreach (var (key, value) in settings)
        {
            args.Add("--" + key);
            args.Add(value);
        }
        var output = TestContext.Current.TestOutputHelper;
        var host = GatewayHost.Build([.. args], collection =>
        {
            // The gateway's log goes to this test's output (shown when it fails), not to the shared console.
            collection.RemoveAll<ILoggerProvider>();
            collection.AddSingleton<ILoggerProvider>(new TestOutputLoggerProvider(output));
            if (time is not null)
                collection.AddSingleton(time);
            services?.Invoke(collection);
        });
        await host.StartAsync(TestContext.Current.CancellationToken);
        return new TestGateway(host, data);
    }

    /// <summary>Runs the real `transportguard` command line against this gateway's admin API (its token from its data directory).</summary>
    public Task<ProcessRunner.Result> CliAsync(params string[] args) =>
        ProcessRunner.RunAsync("dotnet", [GatewayProcess.Executable, .. args, "--url", HttpAddress.ToString(), "--data", DataDirectory], TimeSpan.FromSeconds(60));

    /// <summary>The committed messages, read back from the spool, oldest id first.</summary>
    public IReadOnlyList<StoredMessage> Messages() => StoredMessage.ReadAll(Spool);

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync(CancellationToken.None);
        _host.Dispose();
        TempDirectory.Delete(DataDirectory);
    }
}
