using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;
using TransportGuard.Delivery.Clusters;
using TransportGuard.Delivery.Routing;
using TransportGuard.Delivery.Smtp;
using TransportGuard.Tests.Support;

namespace TransportGuard.Tests.Delivery.Clusters;

/// <summary>The health check over real loopback sockets: a server that greets and answers EHLO passes; a closed
/// port, a refusing greeting and a silent server fail (the last within the probe timeout).</summary>
public sealed class SmtpServerProbeTests
{
    private static SmtpServerProbe Probe(TimeSpan? timeout = null) => new(new SmtpClientProfile("edge.test.local"),
        Options.Create(new MailboxClusterOptions { HealthCheckTimeout = timeout }), TimeProvider.System);

    private static HostPort Loopback(int port) => new("127.0.0.1", port);

    [Fact]
    public async Task A_server_that_greets_and_answers_ehlo_passes_and_is_told_quit()
    {
        await using var hop = ScriptedNextHop.Start();
        var result = await Probe().ProbeAsync(Loopback(hop.Port), TestContext.Current.CancellationToken);
        Assert.True(result.Passed, result.Error);
        await Eventually.UntilAsync(() => hop.Transcript.Contains("QUIT"), TimeSpan.FromSeconds(10), () => string.Join("\n", hop.Transcript));
        Assert.Equal(["EHLO edge.test.local", "QUIT"], hop.Transcript);
        Assert.Empty(hop.Messages);
    }

    [Fact]
    public async Task A_closed_port_fails()
    {
        var result = await Probe().ProbeAsync(Loopback(PostfixInstance.FreePort()), TestContext.Current.CancellationToken);
        Assert.False(result.Passed);
        Assert.Contains("127.0.0.1", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_server_that_refuses_sessions_fails()
    {
        await using var hop = ScriptedNextHop.Start(new NextHopScript { Greeting = "554 5.3.2 mailbox store dismounted" });
        var result = await Probe().ProbeAsync(Loopback(hop.Port), TestContext.Current.CancellationToken);
        Assert.False(result.Passed);
        Assert.Contains("554", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_server_that_accepts_and_never_greets_fails_within_the_timeout()
    {
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var started = Stopwatch.StartNew();
        var result = await Probe(TimeSpan.FromMilliseconds(300)).ProbeAsync(Loopback(((IPEndPoint)silent.LocalEndpoint).Port), TestContext.Current.CancellationToken);
        Assert.False(result.Passed);
        Assert.Contains("timed out", result.Error, StringComparison.Ordinal);
        Assert.InRange(started.Elapsed, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(5));
    }
}
