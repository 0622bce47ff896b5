using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;

namespace TransportGuard.Chaos;

/// <summary>
/// A recording mailbox server: ESMTP with PIPELINING (DATA only, no CHUNKING), one durable line per accepted
/// recipient written and fsynced before the 250:
/// <c>unix-ms TAB Message-ID TAB recipient TAB client's EHLO name TAB sink name TAB sender TAB bytes TAB inner</c>,
/// inner being, for a report (null sender), the first Message-ID in its body: the message it reports on.
/// <c>--reject REGEX</c>: recipients matching it get 550 5.1.1 (a permanent failure) at RCPT.
/// </summary>
public static class Sink
{
    public static async Task<int> RunAsync(Options o)
    {
        var ep = Endpoints.Parse(o.Str("listen"));
        var name = o.Str("name");
        var reject = o.Maybe("reject") is { } r ? new Regex(r, RegexOptions.IgnoreCase | RegexOptions.CultureInvariant) : null;
        await using var log = new DurableLog(o.Str("out"));
        var listener = new TcpListener(ep);
        listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        listener.Start(512);
        Console.WriteLine($"sink {name} listening on {ep}");
        using var stop = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.Cancel(); };
        AppDomain.CurrentDomain.ProcessExit += (_, _) => stop.Cancel();
        try
        {
            while (!stop.IsCancellationRequested)
            {
                var client = await listener.AcceptTcpClientAsync(stop.Token);
                _ = Task.Run(() => SessionAsync(client, name, reject, log, stop.Token));
            }
        }
        catch (OperationCanceledException) { }
        return 0;
    }

    private static async Task SessionAsync(TcpClient client, string name, Regex? reject, DurableLog log, CancellationToken ct)
    {
        using var _ = client;
        client.NoDelay = true;
        var stream = client.GetStream();
        var reader = new LineReader(stream);
        async Task Say(string s) => await stream.WriteAsync(Encoding.ASCII.GetBytes(s + "\r\n"), ct);
        string helo = "-", from = "";
        var rcpts = new List<string>();
        var inTx = false;
        try
        {
            await Say($"220 {name}.sink.test ESMTP chaos sink");
            while (true)
            {
                var line = await reader.ReadLineAsync(ct);
                if (line is null) return;
                var verb = (line.Length >= 4 ? line[..4] : line).ToUpperInvariant();
                var arg = line.Length > 5 ? line[5..].Trim() : "";
                switch (verb)
                {
                    case "EHLO":
                        helo = arg.Length > 0 ? arg : "-";
                        inTx = false; rcpts.Clear();
                        await Say($"250-{name}.sink.test\r\n250-PIPELINING\r\n250-8BITMIME\r\n250-SIZE 104857600\r\n250 ENHANCEDSTATUSCODES");
                        break;
                    case "HELO":
                        helo = arg.Length > 0 ? arg : "-";
                        inTx = false; rcpts.Clear();
                        await Say($"250 {name}.sink.test");
                        break;
                    case "MAIL":
                        from = Address(line);
                        inTx = true; rcpts.Clear();
                        await Say("250 2.1.0 Ok");
                        break;
                    case "RCPT":
                        if (!inTx) { await Say("503 5.5.1 MAIL first"); break; }
                        var rcpt = Address(line);
                        if (reject is not null && reject.IsMatch(rcpt)) { await Say($"550 5.1.1 <{rcpt}>: mailbox unavailable (chaos reject)"); break; }
                        rcpts.Add(rcpt);
                        await Say("250 2.1.5 Ok");
                        break;
                    case "DATA":
                        if (!inTx || rcpts.Count == 0) { await Say("554 5.5.1 No valid recipients"); break; }
                        await Say("354 End data with <CR><LF>.<CR><LF>");
                        var (messageId, inner, size, ok) = await ReadDataAsync(reader, ct);
                        if (!ok) return;
                        var now = Clock.NowMs();
                        var text = new StringBuilder();
                        foreach (var r in rcpts)
                        {
                            if (text.Length > 0) text.Append('\n');
                            text.Append($"{now}\t{messageId}\t{r}\t{helo}\t{name}\t{(from.Length == 0 ? "<>" : from)}\t{size}\t{inner}");
                        }
                        await log.AppendAsync(text.ToString());
                        inTx = false; rcpts.Clear();
                        await Say("250 2.0.0 Ok: recorded");
                        break;
                    case "RSET":
                        inTx = false; rcpts.Clear();
                        await Say("250 2.0.0 Ok");
                        break;
                    case "NOOP":
                        await Say("250 2.0.0 Ok");
                        break;
                    case "QUIT":
                        await Say("221 2.0.0 Bye");
                        return;
                    default:
                        await Say("502 5.5.2 Command not implemented");
                        break;
                }
            }
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException) { }
    }

    private static string Address(string line)
    {
        var lt = line.IndexOf('<');
        var gt = lt >= 0 ? line.IndexOf('>', lt) : -1;
        return lt >= 0 && gt > lt ? line[(lt + 1)..gt] : line[(line.IndexOf(':') + 1)..].Trim();
    }

    /// <summary>Reads message data up to the lone dot; returns its Message-ID header (or "-") and size.</summary>
    private static async Task<(string MessageId, string Inner, long Size, bool Ok)> ReadDataAsync(LineReader reader, CancellationToken ct)
    {
        var messageId = "-";
        var inner = "-";
        var inHeaders = true;
        long size = 0;
        while (true)
        {
            var b = await reader.ReadLineBytesAsync(ct);
            if (b is null) return (messageId, inner, size, false);
            if (b.Length == 1 && b[0] == '.') return (messageId, inner, size, true);
            size += b.Length + 2;
            if (inHeaders && b.Length == 0) { inHeaders = false; continue; }
            if (b.Length > 11 && (b[0] == 'M' || b[0] == 'm') && (inHeaders || inner == "-"))
            {
                var h = Encoding.Latin1.GetString(b);
                if (!h.StartsWith("Message-ID:", StringComparison.OrdinalIgnoreCase)) continue;
                if (inHeaders) messageId = h[11..].Trim();
                else inner = h[11..].Trim();
            }
        }
    }
}
