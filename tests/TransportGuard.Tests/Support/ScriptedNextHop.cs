using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace TransportGuard.Tests.Support;

/// <summary>A message a <see cref="ScriptedNextHop"/> answered 250 for.</summary>
internal sealed record ReceivedMessage(string From, IReadOnlyList<string> Recipients, byte[] Content, string MailParameters, bool ViaBdat)
{
    public string Text => Encoding.UTF8.GetString(Content);
}

/// <summary>
/// What a <see cref="ScriptedNextHop"/> says where it differs from a plain accepting server. Each reply override
/// returns a full reply line ("550 5.1.1 no such user") or null for the normal answer. Counts are 1-based.
/// </summary>
internal sealed class NextHopScript
{
    public IReadOnlyList<string> Extensions { get; init; } = ["PIPELINING", "8BITMIME", "SIZE 10485760", "ENHANCEDSTATUSCODES", "SMTPUTF8"];
    public string? Greeting { get; init; }
    public string? EhloReply { get; init; }
    public Func<string, string?> RcptReply { get; init; } = _ => null;

    /// <summary>The reply to the end of data for the n-th message body received.</summary>
    public Func<int, string?> DataReply { get; init; } = _ => null;

    /// <summary>How long the reply to the end of data waits after the message is taken (recorded), as when a next
    /// hop has committed a message and its 250 is still on its way.</summary>
    public TimeSpan DataReplyDelay { get; init; }

    /// <summary>True: answer MAIL and RCPT only once DATA or a BDAT has come, so a client that waits for those
    /// replies before it goes on (one that does not pipeline) never gets them.</summary>
    public bool HoldEnvelopeRepliesUntilBody { get; init; }

    /// <summary>True: close the socket after a few body bytes of the n-th message, without a reply.</summary>
    public Func<int, bool> DropDuringData { get; init; } = _ => false;

    /// <summary>Set: the next hop is the cluster peer of this id. It offers STARTTLS and answers XPEERAUTH with
    /// <see cref="PeerSession.Secret"/> as docs/security.md describes, so a gateway's peer sessions reach it.</summary>
    public string? PeerId { get; init; }
}

/// <summary>
/// A next hop for delivery tests: real SMTP on a real loopback socket (so the relay's client is tested end to end),
/// scripted to refuse, defer or drop, recording what it accepted. Replies strictly in command order, so a
/// pipelining client sees what it would see from Postfix.
/// </summary>
internal sealed partial class ScriptedNextHop : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly NextHopScript _script;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private readonly ConcurrentBag<Task> _sessions = [];
    private int _bodies;
    private int _queueIds;

    private ScriptedNextHop(NextHopScript script)
    {
        _script = script;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public static ScriptedNextHop Start(NextHopScript? script = null) => new(script ?? new NextHopScript());

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;
    public string Address => $"127.0.0.1:{Port}";
    public ConcurrentQueue<ReceivedMessage> Messages { get; } = new();
    public ConcurrentQueue<string> Transcript { get; } = new();
    public int Connections => _connections;
    private int _connections;

    /// <summary>Messages taken (in <see cref="Messages"/>) whose 250 has not been written yet
    /// (<see cref="NextHopScript.DataReplyDelay"/>): deliveries the client cannot know of yet.</summary>
    public int Unanswered => Volatile.Read(ref _unanswered);
    private int _unanswered;

    public Task WaitForMessagesAsync(int count, TimeSpan timeout) => Eventually.UntilAsync(() => Messages.Count >= count, timeout,
        () => $"{Messages.Count} of {count} message(s) arrived; transcript tail:\n{string.Join('\n', Transcript.TakeLast(30))}");

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            Interlocked.Increment(ref _connections);
            _sessions.Add(Task.Run(() => ServeAsync(client)));
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        await Task.WhenAll(_sessions);
        _stop.Dispose();
    }
}
