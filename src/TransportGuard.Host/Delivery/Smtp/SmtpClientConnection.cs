using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;
using TransportGuard.Delivery.Routing;
using TransportGuard.Smtp.Cluster;
using TransportGuard.Smtp.Protocol;

namespace TransportGuard.Delivery.Smtp;

/// <summary>
/// One outbound SMTP connection: the socket (later an SslStream) as a pair of pipes, replies read with
/// <see cref="ReplyParser"/>, every wait bounded by a timeout on the injected clock. Opening it runs the greeting,
/// EHLO (HELO when EHLO is refused) and STARTTLS as the route's TLS mode asks.
/// </summary>
internal sealed class SmtpClientConnection : IAsyncDisposable
{
    private static readonly StreamPipeReaderOptions ReaderOptions = new(bufferSize: 16 * 1024, minimumReadSize: 4096, leaveOpen: true);
    private static readonly StreamPipeWriterOptions WriterOptions = new(leaveOpen: true);

    private readonly TimeProvider _time;
    private Stream _stream;

    private SmtpClientConnection(Stream stream, string remote, TimeProvider time, DateTimeOffset openedAt)
    {
        _stream = stream;
        _time = time;
        Remote = remote;
        Input = PipeReader.Create(stream, ReaderOptions);
        Output = PipeWriter.Create(stream, WriterOptions);
        IdleSince = openedAt;
    }

    public PipeReader Input { get; private set; }
    public PipeWriter Output { get; private set; }

    /// <summary>"name[address]:port", as Postfix logs a relay.</summary>
    public string Remote { get; }
    public NextHopCapabilities Capabilities { get; private set; } = NextHopCapabilities.None;
    public bool IsSecure => _stream is SslStream;
    public int Transactions { get; set; }

    /// <summary>Counts replies: a reused connection that fails before its first reply of a transaction had gone
    /// stale while idle, and the message may be sent again on a fresh one without risk of a duplicate.</summary>
    public long RepliesRead { get; private set; }
    public DateTimeOffset IdleSince { get; set; }

    /// <summary>False once anything went wrong mid-conversation: such a connection is closed, never reused.</summary>
    public bool Reusable { get; set; } = true;

    /// <summary>Connects and runs the opening; a refusal or failure comes back as <see cref="SmtpOpenException"/>.</summary>
    public static async Task<SmtpClientConnection> OpenAsync(string hostName, IPEndPoint endPoint, SmtpClientProfile profile, TlsMode tls,
        SmtpClientTimeouts timeouts, TimeProvider time, CancellationToken cancellationToken)
    {
        var remote = $"{hostName}[{endPoint.Address}]:{endPoint.Port}";
        if (profile.Peer is not null && tls < TlsMode.Encrypt)
            tls = TlsMode.Encrypt; // peer traffic is encrypted, and the peer's proof binds its certificate
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            // Postfix smtp_bind_address: connections leave from the node's own address, as next hops' logs and access lists expect.
            if (profile.SourceAddress is { } source && source.AddressFamily == endPoint.AddressFamily
                && IPAddress.IsLoopback(source) == IPAddress.IsLoopback(endPoint.Address))
                socket.Bind(new IPEndPoint(source, 0));
            using (var connect = new Deadline(time, timeouts.Connect, cancellationToken))
                await socket.ConnectAsync(endPoint, connect.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            socket.Dispose();
            throw new SmtpOpenException(remote, "4.4.1", $"connect to {remote} timed out");
        }
        catch (SocketException ex)
        {
            socket.Dispose();
            throw new SmtpOpenException(remote, "4.4.1", $"connect to {remote}: {ex.Message}");
        }
        var connection = new SmtpClientConnection(new NetworkStream(socket, ownsSocket: true), remote, time, time.GetUtcNow());
        try
        {
            await connection.OpenSessionAsync(hostName, profile.HeloName, tls, timeouts, cancellationToken);
            if (profile.Peer is { } login)
                await connection.AuthenticatePeerAsync(login, profile.HeloName, timeouts, cancellationToken);
            await connection.OfferShadowAsync(profile.ShadowNodeId, timeouts, cancellationToken);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    private async Task OpenSessionAsync(string hostName, string heloName, TlsMode tls, SmtpClientTimeouts timeouts, CancellationToken cancellationToken)
    {
        var greeting = await ReadReplyAsync(timeouts.Command, cancellationToken);
        if (greeting.Code != 220)
            throw new SmtpOpenException(Remote, greeting, "greeting");
        await HelloAsync(heloName, timeouts, cancellationToken);
        if (IsSecure || tls == TlsMode.None)
            return;
        if (!Capabilities.StartTls)
        {
            if (tls >= TlsMode.Encrypt)
                throw new SmtpOpenException(Remote, "4.7.4", $"TLS is required, but was not offered by {Remote}");
            return;
        }
        var reply = await CommandAsync("STARTTLS", timeouts.Command, cancellationToken);
        if (reply.Code != 220)
        {
            if (tls >= TlsMode.Encrypt)
                throw new SmtpOpenException(Remote, reply, "STARTTLS");
            return; // opportunistic: carry on in the clear, as Postfix's "may" level does
        }
        await StartTlsAsync(hostName, tls, cancellationToken);
        await HelloAsync(heloName, timeouts, cancellationToken); // RFC 3207 4.2: forget what was learned before TLS
    }

    /// <summary>
    /// Proves our node id to a peer and checks its proof of its own (docs/security.md, Peer authentication), then
    /// greets again: the peer's keywords (XSHADOW) are offered to an authenticated session only.
    /// </summary>
    private async Task AuthenticatePeerAsync(PeerLogin login, string heloName, SmtpClientTimeouts timeouts, CancellationToken cancellationToken)
    {
        var challenge = await CommandAsync($"{ClusterSecret.Verb} {login.NodeId}", timeouts.Command, cancellationToken);
        if (challenge.Code != 250 || challenge.Lines[0].Split(' ') is not ["NONCE", { Length: ClusterSecret.NonceLength } serverNonce])
            throw new SmtpOpenException(Remote, challenge, ClusterSecret.Verb);
        // TLS level "encrypt" for peers: the session is secure here, and the proof binds the certificate it showed.
        var certificate = ClusterSecret.CertificateHash((_stream as SslStream)?.RemoteCertificate?.GetRawCertData()
            ?? throw new SmtpOpenException(Remote, "4.7.0", $"{Remote} showed no TLS certificate"));
        var exchange = new PeerExchange(serverNonce, ClusterSecret.NewNonce(), login.NodeId, login.PeerId, certificate);
        var answer = await CommandAsync($"{ClusterSecret.Verb} {login.NodeId} {exchange.ClientNonce} {login.Secret.Proof(PeerRole.Client, exchange)}",
            timeouts.Command, cancellationToken);
        if (answer.Code != 235)
            throw new SmtpOpenException(Remote, answer, ClusterSecret.Verb);
        if (answer.Lines[0].Split(' ') is not [var serverId, var serverProof] || serverId != login.PeerId
            || !login.Secret.Verify(PeerRole.Server, exchange, serverProof))
        {
            Reusable = false;
            throw new SmtpOpenException(Remote, "4.7.0", $"{Remote} did not prove it is peer {login.PeerId} (wrong cluster secret, or not our peer)");
        }
        await HelloAsync(heloName, timeouts, cancellationToken);
    }

    /// <summary>The next hop's node id when it took our XSHADOW: we keep a shadow of what we send it (docs/protocol.md).</summary>
    public string? PrimaryNode { get; private set; }

    /// <summary>A next hop that offers XSHADOW is a peer: tell it we hold shadows of what we send in this session.</summary>
    private async Task OfferShadowAsync(string? nodeId, SmtpClientTimeouts timeouts, CancellationToken cancellationToken)
    {
        if (nodeId is null || !Capabilities.Has("XSHADOW"))
            return;
        var reply = await CommandAsync($"XSHADOW {nodeId}", timeouts.Command, cancellationToken);
        if (reply.Code == 250 && reply.Lines[0].Split(' ')[0] is { Length: > 0 } primary)
            PrimaryNode = primary;
    }

    /// <summary>EHLO, falling back to HELO when a pre-ESMTP next hop refuses it (RFC 5321 3.2).</summary>
    private async Task HelloAsync(string heloName, SmtpClientTimeouts timeouts, CancellationToken cancellationToken)
    {
        var ehlo = await CommandAsync($"EHLO {heloName}", timeouts.Command, cancellationToken);
        if (ehlo.Code == 250)
        {
            Capabilities = NextHopCapabilities.FromEhlo(ehlo);
            return;
        }
        if (ehlo.Code == 421 || !ehlo.IsPermanent)
            throw new SmtpOpenException(Remote, ehlo, "EHLO");
        var helo = await CommandAsync($"HELO {heloName}", timeouts.Command, cancellationToken);
        if (helo.Code != 250)
            throw new SmtpOpenException(Remote, helo, "HELO");
        Capabilities = NextHopCapabilities.None;
    }

    private async Task StartTlsAsync(string hostName, TlsMode tls, CancellationToken cancellationToken)
    {
        await Input.CompleteAsync();
        await Output.CompleteAsync();
        var secure = new SslStream(_stream, leaveInnerStreamOpen: false);
        try
        {
            await secure.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = hostName,
                // Opportunistic and "encrypt" levels accept any certificate (RFC 7435): encryption against passive
                // listeners without breaking mail to hosts with self-signed certificates. "verify" checks it.
                RemoteCertificateValidationCallback = (_, _, _, errors) => tls != TlsMode.Verify || errors == SslPolicyErrors.None,
            }, cancellationToken);
        }
        catch (Exception ex) when (ex is IOException or System.Security.Authentication.AuthenticationException)
        {
            await secure.DisposeAsync();
            throw new SmtpOpenException(Remote, "4.7.5", $"TLS handshake with {Remote} failed: {ex.Message}") { TlsFailed = true };
        }
        _stream = secure;
        Input = PipeReader.Create(secure, ReaderOptions);
        Output = PipeWriter.Create(secure, WriterOptions);
    }

    public void WriteLine(string line)
    {
        var bytes = Encoding.UTF8.GetByteCount(line) + 2;
        var span = Output.GetSpan(bytes);
        var written = Encoding.UTF8.GetBytes(line, span);
        span[written] = (byte)'\r';
        span[written + 1] = (byte)'\n';
        Output.Advance(written + 2);
    }

    public async Task FlushAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = new Deadline(_time, timeout, cancellationToken);
        try
        {
            await Output.FlushAsync(deadline.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"timed out sending to {Remote}");
        }
    }

    public async Task<SmtpReply> CommandAsync(string line, TimeSpan timeout, CancellationToken cancellationToken)
    {
        WriteLine(line);
        await FlushAsync(timeout, cancellationToken);
        return await ReadReplyAsync(timeout, cancellationToken);
    }

    public async Task<SmtpReply> ReadReplyAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = new Deadline(_time, timeout, cancellationToken);
        try
        {
            while (true)
            {
                var result = await Input.ReadAsync(deadline.Token);
                var buffer = result.Buffer;
                if (ReplyParser.TryRead(ref buffer, out var reply))
                {
                    Input.AdvanceTo(buffer.Start);
                    RepliesRead++;
                    return reply;
                }
                Input.AdvanceTo(buffer.Start, buffer.End);
                if (result.IsCompleted)
                    throw new IOException($"{Remote} closed the connection");
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"timed out waiting for a reply from {Remote}");
        }
    }

    /// <summary>A timeout on the injected clock (a virtual one in tests, docs/architecture.md, Conventions 6) joined with the caller's token.</summary>
    private sealed class Deadline(TimeProvider time, TimeSpan timeout, CancellationToken cancellationToken) : IDisposable
    {
        private readonly CancellationTokenSource _timeout = new(timeout, time);
        private CancellationTokenSource? _linked;

        public CancellationToken Token => (_linked ??= CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _timeout.Token)).Token;

        public void Dispose()
        {
            _linked?.Dispose();
            _timeout.Dispose();
        }
    }

    /// <summary>Says QUIT (best effort, briefly) and closes.</summary>
    public async Task CloseAsync()
    {
        if (Reusable)
        {
            try
            {
                using var quick = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                WriteLine("QUIT");
                await Output.FlushAsync(quick.Token);
                var result = await Input.ReadAsync(quick.Token);
                Input.AdvanceTo(result.Buffer.End);
            }
            catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException or InvalidOperationException)
            {
                // It is going away anyway.
            }
        }
        await DisposeAsync();
    }

    private int _disposed;

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;
        await Input.CompleteAsync();
        await Output.CompleteAsync();
        await _stream.DisposeAsync();
    }
}

internal sealed record SmtpClientTimeouts(TimeSpan Connect, TimeSpan Command, TimeSpan Data);

/// <summary>How we present ourselves as a client: EHLO name, source address, the node id we offer XSHADOW with
/// (null: never shadow), and, to a cluster peer, how we prove who we are.</summary>
internal sealed record SmtpClientProfile(string HeloName, IPAddress? SourceAddress = null, string? ShadowNodeId = null, PeerLogin? Peer = null);

/// <summary>A next hop could not be reached or refused the session before any transaction: try the next host.</summary>
internal sealed class SmtpOpenException : IOException
{
    public SmtpOpenException(string remote, string status, string reason) : base(reason)
    {
        Remote = remote;
        Status = status;
    }

    public SmtpOpenException(string remote, SmtpReply reply, string stage)
        : this(remote, reply.Enhanced ?? $"{reply.Code / 100}.0.0", $"{remote} said {reply} (in reply to {stage})") => Reply = reply;

    public string Remote { get; }
    public string Status { get; }
    public SmtpReply? Reply { get; }
    public bool TlsFailed { get; init; }
}
