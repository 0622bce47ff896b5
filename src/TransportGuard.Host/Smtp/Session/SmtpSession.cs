using System.IO.Pipelines;
using System.Net.Sockets;
using TransportGuard.Smtp.Cluster;
using TransportGuard.Smtp.Protocol;
using TransportGuard.Smtp.Transport;

namespace TransportGuard.Smtp.Session;

/// <summary>
/// One SMTP server session over an <see cref="ISmtpConnection"/>: reads command lines, consults the state table,
/// runs the verb and writes replies. Replies are buffered and flushed only when the client has nothing more
/// pipelined for us (RFC 2920 3), so a pipelined MAIL/RCPT.../DATA group is answered in one write.
/// </summary>
internal sealed partial class SmtpSession : IAsyncDisposable
{
    private static long s_counter;

    private readonly ISmtpConnection _connection;
    private readonly SmtpSessionServices _services;
    private readonly SmtpLimits _limits;
    private readonly Microsoft.Extensions.Logging.ILogger _logger;
    private readonly CancellationToken _shutdown;
    private readonly CancellationTokenSource _timeout;
    private readonly CancellationTokenSource _readCancellation;

    private SessionState _state = SessionState.Connected;
    private Transaction? _transaction;
    private string _heloName = "";
    private bool _esmtp;
    private int _badCommands;
    private bool _closing;
    private bool _discardingLongLine;
    private bool _unflushed;
    private int _messagesAccepted;

    public SmtpSession(ISmtpConnection connection, SmtpSessionServices services, CancellationToken shutdown, SessionAdmission? admission = null)
    {
        _connection = connection;
        _admission = admission;
        _services = services;
        _limits = services.Limits;
        _logger = services.Logger;
        _shutdown = shutdown;
        _admittedAt = services.Time.GetTimestamp();
        _timeout = new CancellationTokenSource(Timeout.InfiniteTimeSpan, services.Time);
        _readCancellation = CancellationTokenSource.CreateLinkedTokenSource(shutdown, _timeout.Token);
        Id = $"{Environment.ProcessId:x}-{Interlocked.Increment(ref s_counter):x}";
    }

    public string Id { get; }
    public SessionState State => _state;
    private string ClientIp => _connection.RemoteEndPoint.Address.ToString();
    private string HostName => _services.Server.HostName;

    public async Task RunAsync()
    {
        LogConnected(Id, _connection.RemoteEndPoint, _connection.LocalEndPoint);
        var outcome = "closed";
        try
        {
            Reply(new SmtpReply(220, null, $"{HostName} ESMTP TransportGuard"));
            while (!_closing)
            {
                var input = await ReadCommandAsync();
                if (input.EndOfStream)
                {
                    outcome = "client closed";
                    break;
                }
                if (ProvisionalRefusal(input) is { } refusal)
                {
                    Reply(refusal);
                    break;
                }
                if (input.Error is not null)
                    RefuseCommand(input.Error);
                else
                    await DispatchAsync(input.Command!);
            }
            await FlushAsync();
        }
        catch (SessionTimeoutException)
        {
            outcome = "timeout";
            await TryReplyAndFlushAsync(SmtpReplies.Timeout);
        }
        catch (OperationCanceledException) when (_shutdown.IsCancellationRequested)
        {
            outcome = "shutdown";
            await TryReplyAndFlushAsync(SmtpReplies.ShuttingDown);
        }
        catch (Exception ex) when (IsConnectionFault(ex))
        {
            outcome = "connection lost";
            LogConnectionLost(Id, ex.Message);
        }
        catch (Exception ex)
        {
            outcome = "internal error";
            LogSessionFault(ex, Id);
            await TryReplyAndFlushAsync(SmtpReplies.InternalError);
        }
        finally
        {
            if (_transaction is not null)
                LogTransactionAborted(Id, outcome);
            await ResetTransactionAsync();
            LogDisconnected(Id, _connection.RemoteEndPoint, _messagesAccepted, outcome);
        }
    }

    private ValueTask DispatchAsync(SmtpCommand command)
    {
        var transition = SessionStateTable.Lookup(_state, command.Verb);
        if (!transition.Allowed)
        {
            // A refused BDAT still announced its payload; it must be read off the wire, not parsed as commands.
            if (command is BdatCommand bdat)
                return RefuseBdatAsync(bdat, transition.Refusal!);
            RefuseCommand(transition.Refusal!);
            return ValueTask.CompletedTask;
        }
        switch (command)
        {
            case EhloCommand ehlo: return EhloAsync(ehlo.Domain);
            case HeloCommand helo: return HeloAsync(helo.Domain);
            case MailCommand mail: Mail(mail); break;
            case RcptCommand rcpt: Rcpt(rcpt); break;
            case DataCommand: return DataAsync();
            case BdatCommand bdat: return BdatAsync(bdat);
            case RsetCommand: return RsetAsync(transition.Next);
            case NoopCommand: Reply(SmtpReplies.Ok); break;
            case HelpCommand: Reply(SmtpReplies.Help); break;
            case VrfyCommand: Reply(SmtpReplies.CannotVerify); break; // RFC 5321 3.5.3: 252 when we do not verify
            case QuitCommand: Quit(); break;
            case StartTlsCommand: return StartTlsAsync();
            case ExtensionCommand { Name: ClusterSecret.Verb } peer when _services.Cluster.Secret is not null: PeerAuthenticate(peer); break;
            case ExtensionCommand extension: return ExtensionAsync(extension);
        }
        return ValueTask.CompletedTask;
    }

    /// <summary>A protocol error: refused, counted, and the session closed after too many (Postfix hard_error_limit).</summary>
    private void RefuseCommand(SmtpReply reply)
    {
        LogCommandRefused(Id, reply.Code, reply.Enhanced ?? "", reply.Lines[0]);
        if (++_badCommands >= _limits.MaxBadCommands)
        {
            Reply(SmtpReplies.TooManyErrors);
            _closing = true;
            return;
        }
        Reply(reply);
    }

    private void Reply(SmtpReply reply)
    {
        _services.Metrics.Replied(reply.Code);
        var output = _connection.Output;
        var span = output.GetSpan(reply.MaxByteCount());
        output.Advance(reply.WriteTo(span));
        _unflushed = true;
    }

    private async ValueTask FlushAsync()
    {
        if (!_unflushed)
            return;
        _unflushed = false;
        await _connection.Output.FlushAsync(_shutdown.IsCancellationRequested ? CancellationToken.None : _readCancellation.Token);
    }

    private async ValueTask TryReplyAndFlushAsync(SmtpReply reply)
    {
        try
        {
            Reply(reply);
            _unflushed = false;
            using var bounded = new CancellationTokenSource(TimeSpan.FromSeconds(5), _services.Time);
            await _connection.Output.FlushAsync(bounded.Token);
        }
        catch (Exception ex) when (ex is OperationCanceledException || IsConnectionFault(ex) || ex is InvalidOperationException)
        {
            // The client is gone or not reading; nothing more to tell it.
        }
    }

    private async ValueTask ResetTransactionAsync()
    {
        if (_transaction is null)
            return;
        var transaction = _transaction;
        _transaction = null;
        await transaction.DisposeAsync();
    }

    /// <summary>
    /// The client's connection failed (reset, closed under a write, TLS broken). Only these end a session quietly;
    /// an IOException from anywhere else (the spool, the disk) is an internal error and gets 421 4.3.0 and a log.
    /// </summary>
    private static bool IsConnectionFault(Exception ex) => ex switch
    {
        SocketException or System.Security.Authentication.AuthenticationException => true,
        IOException { InnerException: SocketException or System.Security.Authentication.AuthenticationException } => true,
        IOException { Source: "System.Net.Sockets" or "System.Net.Security" } => true,
        ObjectDisposedException disposed => disposed.ObjectName.Contains("Stream", StringComparison.Ordinal),
        _ => false,
    };

    public async ValueTask DisposeAsync()
    {
        await ResetTransactionAsync();
        _readCancellation.Dispose();
        _timeout.Dispose();
    }
}

/// <summary>A read waited longer than the limit for its phase (RFC 5321 4.5.3.2).</summary>
internal sealed class SessionTimeoutException : Exception
{
    public SessionTimeoutException() : base("SMTP session read timed out") { }
    public SessionTimeoutException(string message) : base(message) { }
    public SessionTimeoutException(string message, Exception inner) : base(message, inner) { }
}
