using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace TransportGuard.Tests.Support;

internal sealed partial class ScriptedNextHop
{
    private async Task ServeAsync(TcpClient client)
    {
        using var _ = client;
        Stream stream = client.GetStream();
        var reader = new BufferedLineReader(stream);
        var peer = new PeerSide(_script.PeerId);
        try
        {
            await ReplyAsync(stream, _script.Greeting ?? "220 nexthop ESMTP scripted");
            if (_script.Greeting?.StartsWith('4') == true)
                return;
            string from = "", mailParameters = "";
            var recipients = new List<string>();
            var bdat = new MemoryStream();
            var held = new StringBuilder(); // MAIL and RCPT replies held back (HoldEnvelopeRepliesUntilBody)
            while (await reader.ReadLineAsync(_stop.Token) is { } line)
            {
                Transcript.Enqueue(line);
                var verb = line.Split(' ', 2)[0].ToUpperInvariant();
                if (verb is "DATA" or "BDAT" && held.Length > 0)
                {
                    await stream.WriteAsync(Encoding.UTF8.GetBytes(held.ToString()));
                    held.Clear();
                }
                switch (verb)
                {
                    case "EHLO":
                        var keywords = _script.Extensions.Concat(peer.Keywords(stream)).ToList();
                        await ReplyAsync(stream, _script.EhloReply ?? string.Join("\r\n", new[] { "nexthop" }.Concat(keywords)
                            .Select((l, i) => (i == keywords.Count ? "250 " : "250-") + l)));
                        break;
                    case "STARTTLS" when _script.PeerId is not null:
                        await ReplyAsync(stream, "220 2.0.0 Ready to start TLS");
                        stream = await PeerSide.StartTlsAsync(stream);
                        reader = new BufferedLineReader(stream);
                        break;
                    case "XPEERAUTH" when _script.PeerId is not null:
                        await ReplyAsync(stream, peer.Authenticate(line, stream));
                        break;
                    case "HELO" or "NOOP":
                        await ReplyAsync(stream, "250 nexthop");
                        break;
                    case "RSET":
                        (from, mailParameters) = ("", "");
                        recipients.Clear();
                        bdat.SetLength(0);
                        await ReplyAsync(stream, "250 2.0.0 Ok");
                        break;
                    case "MAIL":
                        var mail = line[(line.IndexOf('<', StringComparison.Ordinal) + 1)..];
                        from = mail[..mail.IndexOf('>', StringComparison.Ordinal)];
                        mailParameters = mail[(mail.IndexOf('>', StringComparison.Ordinal) + 1)..].Trim();
                        recipients.Clear();
                        const string mailReply = "250 2.1.0 Ok";
                        if (_script.HoldEnvelopeRepliesUntilBody)
                            held.Append(mailReply).Append("\r\n");
                        else
                            await ReplyAsync(stream, mailReply);
                        break;
                    case "RCPT":
                        var rcpt = line[(line.IndexOf('<', StringComparison.Ordinal) + 1)..line.IndexOf('>', StringComparison.Ordinal)];
                        var rcptReply = _script.RcptReply(rcpt) ?? "250 2.1.5 Ok";
                        if (rcptReply.StartsWith('2'))
                            recipients.Add(rcpt);
                        if (_script.HoldEnvelopeRepliesUntilBody)
                            held.Append(rcptReply).Append("\r\n");
                        else
                            await ReplyAsync(stream, rcptReply);
                        break;
                    case "DATA":
                        if (recipients.Count == 0)
                        {
                            await ReplyAsync(stream, "554 5.5.1 Error: no valid recipients");
                            break;
                        }
                        await ReplyAsync(stream, "354 End data with <CR><LF>.<CR><LF>");
                        var number = Interlocked.Increment(ref _bodies);
                        var body = await reader.ReadDataAsync(_script.DropDuringData(number), _stop.Token);
                        if (body is null)
                            return; // dropped mid-DATA, on purpose or by the client
                        await FinishAsync(stream, number, from, recipients, body, mailParameters, viaBdat: false);
                        break;
                    case "BDAT":
                        var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                        var size = int.Parse(parts[1], CultureInfo.InvariantCulture);
                        bdat.Write(await reader.ReadExactlyAsync(size, _stop.Token));
                        if (parts.Length < 3)
                        {
                            await ReplyAsync(stream, $"250 2.0.0 {size} octets received");
                            break;
                        }
                        var chunkedNumber = Interlocked.Increment(ref _bodies);
                        if (_script.DropDuringData(chunkedNumber))
                            return;
                        await FinishAsync(stream, chunkedNumber, from, recipients, bdat.ToArray(), mailParameters, viaBdat: true);
                        bdat.SetLength(0);
                        break;
                    case "QUIT":
                        await ReplyAsync(stream, "221 2.0.0 Bye");
                        return;
                    default:
                        await ReplyAsync(stream, "502 5.5.2 Error: command not recognized");
                        break;
                }
            }
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException)
        {
            // The client went away.
        }
    }

    private async Task FinishAsync(Stream stream, int number, string from, List<string> recipients, byte[] body, string mailParameters, bool viaBdat)
    {
        var reply = recipients.Count == 0 ? "554 5.5.1 Error: no valid recipients" : _script.DataReply(number) ?? $"250 2.0.0 Ok: queued as H{Interlocked.Increment(ref _queueIds)}";
        var taken = reply.StartsWith('2');
        if (taken)
        {
            Interlocked.Increment(ref _unanswered);
            Messages.Enqueue(new ReceivedMessage(from, [.. recipients], body, mailParameters, viaBdat));
        }
        recipients.Clear();
        try
        {
            if (_script.DataReplyDelay > TimeSpan.Zero)
                await Task.Delay(_script.DataReplyDelay);
            await ReplyAsync(stream, reply);
        }
        finally
        {
            if (taken)
                Interlocked.Decrement(ref _unanswered);
        }
    }

    private static async Task ReplyAsync(Stream stream, string reply) =>
        await stream.WriteAsync(Encoding.UTF8.GetBytes(reply + "\r\n"));
}
