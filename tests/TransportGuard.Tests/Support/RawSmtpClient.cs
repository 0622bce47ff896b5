using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;

namespace TransportGuard.Tests.Support;

/// <summary>
/// A byte-exact SMTP client for tests: sends exactly what it is given (bare LFs, pipelined groups, smuggling
/// attempts) and reads replies. Every read is bounded so a broken server fails the test instead of hanging it.
/// </summary>
internal sealed class RawSmtpClient : IAsyncDisposable
{
    private static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(15);
    private readonly TcpClient _tcp;
    private Stream _stream;
    private readonly List<byte> _pending = [];

    private RawSmtpClient(TcpClient tcp)
    {
        _tcp = tcp;
        _stream = tcp.GetStream();
    }

    public static async Task<RawSmtpClient> ConnectAsync(IPEndPoint endPoint)
    {
        var tcp = new TcpClient(endPoint.AddressFamily);
        await tcp.ConnectAsync(endPoint, TestContext.Current.CancellationToken);
        return new RawSmtpClient(tcp);
    }

    /// <summary>Connects from a given loopback address (to look like a peer node, or like a stranger).</summary>
    public static async Task<RawSmtpClient> ConnectFromAsync(IPEndPoint endPoint, IPAddress source)
    {
        var tcp = new TcpClient(new IPEndPoint(source, 0));
        await tcp.ConnectAsync(endPoint, TestContext.Current.CancellationToken);
        var client = new RawSmtpClient(tcp);
        Assert.Equal(220, (await client.ReadReplyAsync()).Code);
        return client;
    }

    /// <summary>Connects and reads the greeting, which must be a 220.</summary>
    public static async Task<RawSmtpClient> ConnectGreetedAsync(IPEndPoint endPoint, string? ehlo = "client.test")
    {
        var client = await ConnectAsync(endPoint);
        Assert.Equal(220, (await client.ReadReplyAsync()).Code);
        if (ehlo is not null)
            Assert.Equal(250, (await client.CommandAsync($"EHLO {ehlo}")).Code);
        return client;
    }

    /// <summary>MAIL and RCPT, each of which must get 250 (then BDAT or DATA follows).</summary>
    public async Task BeginEnvelopeAsync(string from = "a@example.org", string to = "b@example.com")
    {
        Assert.Equal(250, (await CommandAsync($"MAIL FROM:<{from}>")).Code);
        Assert.Equal(250, (await CommandAsync($"RCPT TO:<{to}>")).Code);
    }

    /// <summary>MAIL, RCPT and DATA as one pipelined group; the replies must be 250, 250, 354.</summary>
    public async Task BeginDataAsync(string from = "a@example.org", string to = "b@example.com")
    {
        await SendAsync($"MAIL FROM:<{from}>\r\nRCPT TO:<{to}>\r\nDATA\r\n");
        var codes = new List<int>();
        for (var i = 0; i < 3; i++)
            codes.Add((await ReadReplyAsync()).Code);
        Assert.Equal([250, 250, 354], codes);
    }

    public Task SendAsync(string raw) => SendAsync(Encoding.UTF8.GetBytes(raw));

    public async Task SendAsync(byte[] raw)
    {
        await _stream.WriteAsync(raw, TestContext.Current.CancellationToken);
        await _stream.FlushAsync(TestContext.Current.CancellationToken);
    }

    public async Task<Reply> CommandAsync(string line)
    {
        await SendAsync(line + "\r\n");
        return await ReadReplyAsync();
    }

    /// <summary>Reads one whole reply, multi-line ones included (RFC 5321 4.2.1).</summary>
    public async Task<Reply> ReadReplyAsync()
    {
        var lines = new List<string>();
        while (true)
        {
            var line = await ReadLineAsync() ?? throw new IOException("connection closed while waiting for a reply; got: " + string.Join(" | ", lines));
            lines.Add(line);
            if (line.Length < 4 || line[3] != '-')
                return new Reply(int.Parse(line[..3], System.Globalization.CultureInfo.InvariantCulture), lines);
        }
    }

    /// <summary>True when the server closed the connection (reads end of stream) within the timeout.</summary>
    public async Task<bool> IsClosedByServerAsync()
    {
        try
        {
            return await ReadLineAsync() is null;
        }
        catch (IOException)
        {
            return true;
        }
    }

    /// <summary>Bytes the server has sent and that are waiting, without blocking longer than a moment.</summary>
    public async Task<string> ReadAvailableAsync(TimeSpan wait)
    {
        using var cts = new CancellationTokenSource(wait);
        var buffer = new byte[64 * 1024];
        try
        {
            var n = await _stream.ReadAsync(buffer, cts.Token);
            return Encoding.UTF8.GetString(buffer, 0, n);
        }
        catch (OperationCanceledException)
        {
            return "";
        }
    }

    /// <summary>Runs the client handshake, trusting only the self-signed certificate the test gateway makes for its host name.</summary>
    public async Task StartTlsAsync(string expectedHost = "mx.test.local")
    {
        var ssl = new SslStream(_stream, leaveInnerStreamOpen: false,
            (_, certificate, _, _) => certificate?.Subject == $"CN={expectedHost}");
        await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = "localhost" }, TestContext.Current.CancellationToken);
        _stream = ssl;
    }

    /// <summary>The server's certificate after <see cref="StartTlsAsync"/>, DER (what a peer's proof binds).</summary>
    public byte[]? ServerCertificate => (_stream as SslStream)?.RemoteCertificate?.GetRawCertData();

    private async Task<string?> ReadLineAsync()
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(ReadTimeout);
        var buffer = new byte[1];
        while (true)
        {
            var lf = _pending.IndexOf((byte)'\n');
            if (lf >= 0)
            {
                var line = Encoding.UTF8.GetString(_pending.GetRange(0, lf).ToArray()).TrimEnd('\r');
                _pending.RemoveRange(0, lf + 1);
                return line;
            }
            var chunk = new byte[4096];
            var n = await _stream.ReadAsync(chunk, timeout.Token);
            if (n == 0)
                return null;
            _pending.AddRange(chunk.AsSpan(0, n).ToArray());
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stream.DisposeAsync();
        _tcp.Dispose();
    }

    public sealed record Reply(int Code, IReadOnlyList<string> Lines)
    {
        public string Last => Lines[^1];
        public string Enhanced => Last.Length > 4 ? Last[4..].Split(' ')[0] : "";
        public override string ToString() => string.Join("\n", Lines);
    }
}
