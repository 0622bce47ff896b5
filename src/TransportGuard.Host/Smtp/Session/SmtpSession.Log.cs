using System.Net;
using Microsoft.Extensions.Logging;

namespace TransportGuard.Smtp.Session;

/// <summary>One line per connection and per transaction, with stable event ids (docs/architecture.md, Conventions 11: [LoggerMessage]).</summary>
internal sealed partial class SmtpSession
{
    [LoggerMessage(1000, LogLevel.Information, "Session {SessionId} connected from {Remote} to {Local}")]
    private partial void LogConnected(string sessionId, IPEndPoint remote, IPEndPoint local);

    [LoggerMessage(1001, LogLevel.Information, "Session {SessionId} from {Remote} ended: {Outcome}, {Accepted} message(s) accepted")]
    private partial void LogDisconnected(string sessionId, IPEndPoint remote, int accepted, string outcome);

    [LoggerMessage(1002, LogLevel.Information, "Session {SessionId} transaction: client={Client} from=<{Sender}> rcpts={Recipients} size={Size} queueId={QueueId} result={Result} reply={Reply} accept={AcceptMs:F2}ms")]
    private partial void LogTransaction(string sessionId, string client, string sender, int recipients, long size, string queueId, string result, int reply, double acceptMs);

    [LoggerMessage(1003, LogLevel.Information, "Session {SessionId} transaction aborted: {Reason}")]
    private partial void LogTransactionAborted(string sessionId, string reason);

    [LoggerMessage(1010, LogLevel.Warning, "Session {SessionId} relay denied: client={Client} from=<{Sender}> to=<{Recipient}>")]
    private partial void LogRelayDenied(string sessionId, string client, string sender, string recipient);

    [LoggerMessage(1011, LogLevel.Information, "Session {SessionId} command refused: {Code} {Enhanced} {Text}")]
    private partial void LogCommandRefused(string sessionId, int code, string enhanced, string text);

    [LoggerMessage(1012, LogLevel.Warning, "Session {SessionId} unknown command {Verb}")]
    private partial void LogUnknownCommand(string sessionId, string verb);

    [LoggerMessage(1020, LogLevel.Information, "Session {SessionId} TLS started")]
    private partial void LogTlsStarted(string sessionId);

    [LoggerMessage(1021, LogLevel.Warning, "Session {SessionId} sent {Bytes} byte(s) pipelined after STARTTLS; discarded (RFC 3207 4.2)")]
    private partial void LogPipelinedAfterStartTls(string sessionId, long bytes);

    [LoggerMessage(1030, LogLevel.Error, "Session {SessionId} message sink failed during {Stage}")]
    private partial void LogSinkFailed(Exception exception, string sessionId, string stage);

    [LoggerMessage(1031, LogLevel.Warning, "Session {SessionId} mail refused with 452 4.3.1: spool free space is under its floor")]
    private partial void LogStorageLow(string sessionId);

    [LoggerMessage(1040, LogLevel.Information, "Session {SessionId} connection lost: {Reason}")]
    private partial void LogConnectionLost(string sessionId, string reason);

    [LoggerMessage(1041, LogLevel.Error, "Session {SessionId} failed unexpectedly; closed with 421 4.3.0")]
    private partial void LogSessionFault(Exception exception, string sessionId);

    [LoggerMessage(1050, LogLevel.Information, "Session {SessionId} authenticated as peer {PeerId} (from {Client})")]
    private partial void LogPeerAuthenticated(string sessionId, string peerId, string client);

    [LoggerMessage(1051, LogLevel.Warning, "Session {SessionId} from {Client} failed to prove it is peer {Claim} (wrong cluster secret, or a replay); closed")]
    private partial void LogPeerRefused(string sessionId, string client, string claim);

    [LoggerMessage(1052, LogLevel.Warning, "Session {SessionId}: peer {PeerId} refused, the peer pool is full (Cluster:MaxPeerSessions)")]
    private partial void LogPeerPoolFull(string sessionId, string peerId);
}
