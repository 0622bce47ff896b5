using System.Globalization;
using Microsoft.Extensions.Logging;
using TransportGuard.Smtp;
using TransportGuard.Smtp.Protocol;
using TransportGuard.Spool;

namespace TransportGuard.Shadow;

/// <summary>
/// The inter-node verbs (docs/protocol.md), offered only to a session that proved it is a configured peer with the
/// cluster secret (XPEERAUTH, docs/security.md): to anyone else XSHADOW is not advertised and the verbs are unknown
/// commands (500 5.5.1), which the session logs. Where a connection comes from proves nothing.
/// </summary>
internal sealed partial class ShadowExtension(PeerDirectory peers, NodeIdentity identity, DiscardNotices notices,
    KeptMessages kept, TakenReports taken, TakeoverGuard guard, HolderLeases leases, DrainState drain, TimeProvider time, ILogger<ShadowExtension> logger) : ISmtpExtension
{
    private static readonly string[] Verbs = ["XSHADOW", "XQUERYDISCARD", "XQDISCARD", "XQUERYTAKEN"];

    /// <summary>The session item XSHADOW sets: the client's node id; it holds a shadow of every message it sends in
    /// this session, so we are that message's primary.</summary>
    public const string HolderItem = "xshadow.holder";

    /// <summary>The MAIL parameter a primary sends a shadow copy with: XSHADOWOF=primary-node:primary-queue-id.</summary>
    public const string ShadowOfParameter = "XSHADOWOF";

    /// <summary>A copy sent with XSHADOWOF is a shadow we hold for its primary, not mail for us to deliver.</summary>
    public static ShadowRef? ShadowCopyOf(MessageEnvelope received)
    {
        var value = received.MailParameters[ShadowOfParameter];
        var colon = value?.LastIndexOf(':') ?? -1;
        return colon > 0 ? new ShadowRef(value![..colon], value[(colon + 1)..], received.ReceivedAt) : null;
    }

    public IEnumerable<string> EhloKeywords(SmtpSessionInfo session) => IsPeer(session) ? ["XSHADOW"] : [];

    public bool Accepts(string verb, SmtpSessionInfo session) => IsPeer(session) && Verbs.Contains(verb);

    /// <summary>A peer that said XSHADOW may send shadow copies (MAIL ... XSHADOWOF=primary:queue-id).</summary>
    public IEnumerable<string> MailParameters(SmtpSessionInfo session) =>
        IsPeer(session) && session.Items.ContainsKey(HolderItem) && !drain.Draining ? [ShadowOfParameter] : [];

    public async ValueTask<SmtpReply> HandleAsync(ExtensionCommand command, SmtpSessionInfo session, CancellationToken cancellationToken)
    {
        var peer = PeerOf(session)!;
        var args = command.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (args.Length == 0 || args[0] != peer.Id)
            return new SmtpReply(501, "5.5.4", $"Syntax: {command.Name} <your-node-id{(command.Name == "XQUERYDISCARD" ? "> <ack> [NONE|TAKEN]" : ">")} (this session authenticated as {peer.Id})");
        switch (command.Name)
        {
            case "XSHADOW" when drain.Draining:
                // A node on its way out takes no new shadows or copies: the peer keeps its mail, or copies elsewhere.
                return new SmtpReply(451, "4.3.2", "this node is being drained");
            case "XSHADOW":
                session.Items[HolderItem] = peer.Id;
                return new SmtpReply(250, null, identity.NodeId);
            case "XQUERYDISCARD" or "XQDISCARD":
                var ack = args.Length > 1 && long.TryParse(args[1], NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) ? parsed : 0;
                // Only an explicit NONE says the holder has taken nothing of ours over that we have not acknowledged.
                return await DiscardAsync(peer.Id, ack, tookOver: args is not [_, _, "NONE"]);
            default:
                return await TakenAsync(peer.Id, args);
        }
    }

    /// <summary>XQUERYDISCARD: forget the acknowledged batch for good, then send what is still owed.</summary>
    private async Task<SmtpReply> DiscardAsync(string holder, long ack, bool tookOver)
    {
        var (acknowledged, sentAt, token, batch) = notices.Query(holder, ack, time.GetTimestamp());
        // Only an acknowledged reply proves the holder heard from us, and only as of when we sent it: queries that
        // sat in a socket while we were frozen carry an old ack and renew nothing (HolderLeases).
        if (sentAt is { } heardAt)
            leases.Renew(holder, heardAt, tookOver);
        foreach (var id in acknowledged)
            await kept.ReleaseAsync(id, shadowDiscarded: false, $"discard acknowledged by {holder}");
        var lines = new List<string> { $"INCARNATION {identity.IncarnationId}", $"BATCH {token.ToString(CultureInfo.InvariantCulture)}" };
        lines.AddRange(batch.Chunk(20).Select(ids => "DISCARD " + string.Join(' ', ids)));
        lines.Add($"{batch.Count} discard notice(s)");
        return new SmtpReply(250, null, lines);
    }

    /// <summary>
    /// XQUERYTAKEN, asked by a primary whose lease on us lapsed: which of its messages we took over, a page at a time
    /// (<c>AFTER id</c> continues); <c>ACK</c> says it has dropped them, and the delivered copies kept for the question go.
    /// </summary>
    private async Task<SmtpReply> TakenAsync(string primary, string[] args)
    {
        if (args is [_, "ACK"])
        {
            var forgotten = await taken.AcknowledgeAsync(primary);
            LogTakenAcknowledged(primary, forgotten);
            return new SmtpReply(250, null, $"{forgotten} taken-over message(s) forgotten");
        }
        if (args is not ([_] or [_, "AFTER", _]))
            return new SmtpReply(501, "5.5.4", "Syntax: XQUERYTAKEN <your-node-id> [AFTER <queue-id> | ACK]");
        if (args.Length == 1)
            await guard.HaltAsync(primary); // it is alive: what we have copied by now is all we take
        var (page, next) = taken.Page(primary, args.Length == 3 ? args[2] : null);
        LogTakenReported(primary, page.Count);
        var lines = page.Chunk(20).Select(ids => "TAKEN " + string.Join(' ', ids)).ToList();
        if (next is not null)
            lines.Add($"MORE {next}");
        lines.Add($"{page.Count} message(s) taken over");
        return new SmtpReply(250, null, lines);
    }

    private bool IsPeer(SmtpSessionInfo session) => PeerOf(session) is not null;

    /// <summary>The configured peer the session authenticated as; a node that knows the secret but is not one of our
    /// peers gets no peer verbs either.</summary>
    private Peer? PeerOf(SmtpSessionInfo session) => session.PeerId is { } id ? peers.ById(id) : null;

    [LoggerMessage(5001, LogLevel.Information, "Told primary {Primary} that {Count} of its message(s) were taken over here")]
    private partial void LogTakenReported(string primary, int count);

    [LoggerMessage(5002, LogLevel.Information, "Primary {Primary} acknowledged its takeover answer: {Count} delivered copies forgotten")]
    private partial void LogTakenAcknowledged(string primary, int count);
}
