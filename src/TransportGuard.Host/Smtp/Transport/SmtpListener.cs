using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TransportGuard.Configuration;
using TransportGuard.Smtp.Session;

namespace TransportGuard.Smtp.Transport;

/// <summary>
/// Accepts TCP connections on the configured endpoints and runs a session on each. Binding happens in
/// <see cref="StartAsync"/>, so a port in use stops the gateway at start and <see cref="EndPoints"/> (with the
/// real port when 0 was asked for) is known once the host has started.
/// </summary>
internal sealed partial class SmtpListener(
    SmtpSessionServices services,
    ConnectionLimiter limiter,
    PeerSessionPool peers,
    DrainState drain,
    IOptions<SmtpServerOptions> options,
    ILogger<SmtpListener> logger) : BackgroundService
{
    private readonly List<(Socket Socket, bool ImplicitTls)> _listeners = [];
    private readonly ConcurrentDictionary<Task, byte> _sessions = new();

    public IReadOnlyList<IPEndPoint> EndPoints => [.. _listeners.Select(l => (IPEndPoint)l.Socket.LocalEndPoint!)];

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var endpoint in options.Value.ListenEndpoints())
            Bind(endpoint, implicitTls: false);
        foreach (var endpoint in options.Value.ImplicitTlsEndpoints())
            Bind(endpoint, implicitTls: true);
        return base.StartAsync(cancellationToken);
    }

    private void Bind(string text, bool implicitTls)
    {
        if (!Check.TryParseEndpoint(text, out var endpoint))
            throw new InvalidOperationException($"not an endpoint: {text}"); // options validation rules this out
        var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.Bind(endpoint);
            socket.Listen(512);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        _listeners.Add((socket, implicitTls));
        LogListening(socket.LocalEndPoint!, implicitTls);
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(_listeners.Select(l => AcceptLoopAsync(l.Socket, l.ImplicitTls, stoppingToken)));

    private async Task AcceptLoopAsync(Socket listener, bool implicitTls, CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await listener.AcceptAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException
                || stoppingToken.IsCancellationRequested || ex is SocketException { SocketErrorCode: SocketError.OperationAborted })
            {
                return; // the listener was closed: the gateway is stopping
            }
            catch (SocketException ex)
            {
                LogAcceptFailed(ex.SocketErrorCode);
                continue;
            }
            var session = ServeAsync(client, implicitTls, stoppingToken);
            _sessions.TryAdd(session, 0);
            _ = session.ContinueWith(t => _sessions.TryRemove(t, out _), TaskScheduler.Default);
        }
    }

    private async Task ServeAsync(Socket client, bool implicitTls, CancellationToken stoppingToken)
    {
        await Task.Yield();
        client.NoDelay = true;
        var remote = (IPEndPoint)client.RemoteEndPoint!;
        var address = remote.Address.IsIPv4MappedToIPv6 ? remote.Address.MapToIPv4() : remote.Address;
        if (SessionAdmission.Admit(drain, limiter, peers, services.Cluster, address, out var refusal) is not { } admission)
        {
            await RefuseAsync(client, refusal!);
            if (refusal != DrainState.Refusal)
                LogRefused(remote, refusal!.Lines[0]);
            return;
        }
        services.Metrics.Connected();
        services.Metrics.SessionOpened();
        try
        {
            await using var connection = new StreamSmtpConnection(new NetworkStream(client, ownsSocket: true), remote, (IPEndPoint)client.LocalEndPoint!);
            if (implicitTls)
            {
                if (services.Tls.Certificate is not { } certificate)
                    return;
                using var handshake = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                handshake.CancelAfter(services.Limits.TlsHandshakeTimeout);
                await connection.StartTlsAsync(certificate, handshake.Token);
            }
            await using var session = new SmtpSession(connection, services, stoppingToken, admission);
            await session.RunAsync();
        }
        catch (Exception ex)
        {
            // Session faults are handled inside the session; what reaches here is a failed TLS handshake or a socket
            // torn down under us. Never let it escape: one client must not take the listener down.
            LogServeFailed(remote, ex.GetType().Name, ex.Message);
        }
        finally
        {
            services.Metrics.SessionClosed();
            admission.Dispose();
        }
    }

    private static async Task RefuseAsync(Socket client, Protocol.SmtpReply refusal)
    {
        try
        {
            var bytes = new byte[refusal.MaxByteCount()];
            var length = refusal.WriteTo(bytes);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await client.SendAsync(bytes.AsMemory(0, length), SocketFlags.None, timeout.Token);
            client.Shutdown(SocketShutdown.Both);
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException or ObjectDisposedException)
        {
        }
        finally
        {
            client.Dispose();
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        foreach (var (socket, _) in _listeners)
            socket.Dispose();
        await base.StopAsync(cancellationToken);
        var pending = _sessions.Keys.ToArray();
        if (pending.Length > 0)
            await Task.WhenAny(Task.WhenAll(pending), Task.Delay(options.Value.ShutdownGrace, services.Time, cancellationToken));
    }

    [LoggerMessage(900, LogLevel.Information, "SMTP listening on {EndPoint} (implicit TLS: {ImplicitTls})")]
    private partial void LogListening(EndPoint endPoint, bool implicitTls);

    [LoggerMessage(901, LogLevel.Warning, "Connection from {Remote} refused: {Reason}")]
    private partial void LogRefused(IPEndPoint remote, string reason);

    [LoggerMessage(902, LogLevel.Warning, "Accept failed: {Error}")]
    private partial void LogAcceptFailed(SocketError error);

    [LoggerMessage(903, LogLevel.Information, "Connection from {Remote} ended before a session: {Error}: {Message}")]
    private partial void LogServeFailed(IPEndPoint remote, string error, string message);
}
