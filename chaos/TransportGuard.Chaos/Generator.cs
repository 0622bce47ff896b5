using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading.Channels;

namespace TransportGuard.Chaos;

/// <summary>
/// The recording load generator. Unique messages (Message-ID &lt;chaos.SEED.SEQ@gen.test&gt;) at a fixed rate over
/// several concurrent SMTP sessions, MAIL and every RCPT pipelined, a size mix from 2 KiB to 1 MiB, one to three
/// recipients on different domains (routes). Every outcome is a durable line in --out:
/// <c>unix-ms TAB event TAB Message-ID TAB attempt TAB target TAB recipients(,) TAB detail</c>, events:
/// <c>ack</c> (the 250 after DATA: the only acknowledgement), <c>unknown</c> (connection cut or timed out after the
/// final dot: the sender cannot know), <c>tempfail</c> (4xx; not accepted), <c>notsent</c> (failed before the data
/// was complete), <c>permfail</c> (5xx), <c>abandoned</c> (still not acknowledged at --give-up). Anything but
/// ack/permfail is retried, as a real sender would, with the same Message-ID and content, after a short backoff
/// and on the next target.
/// </summary>
public static class Generator
{
    private sealed class Message
    {
        public required int Seq;
        public required string Id;
        public required string[] Recipients;
        public required byte[] Content;
        public int Attempts;
    }

    public static async Task<int> RunAsync(Options o)
    {
        var targets = o.Str("targets").Split(',', StringSplitOptions.RemoveEmptyEntries).Select(Endpoints.Parse).ToArray();
        var seed = o.Int("seed", 1);
        var duration = TimeSpan.FromSeconds(o.Num("duration", 10));
        var count = o.Int("count", 0);               // >0: exactly this many messages (then --duration is ignored)
        var rate = o.Num("rate", 40);                // messages per second; 0 = as fast as the sessions go
        var sessions = o.Int("sessions", 6);
        var domains = o.Str("domains", "a.test,b.test").Split(',');
        var maxRcpts = o.Int("max-rcpts", 3);
        var badFraction = o.Num("bad-fraction", 0);
        var badDomain = o.Str("bad-domain", domains[^1]);
        var sizeMix = o.Str("sizes", "default");
        var giveUp = TimeSpan.FromSeconds(o.Num("give-up", 90)); // from the start
        var replyTimeout = TimeSpan.FromSeconds(o.Num("reply-timeout", 30));
        var tag = o.Str("tag", $"{seed}");
        await using var log = new DurableLog(o.Str("out"));

        using var stop = new CancellationTokenSource(giveUp);
        var ready = Channel.CreateUnbounded<Message>();
        var outstanding = 0;
        var producing = true;
        var all = new List<Message>();
        var resolved = new HashSet<int>();
        var gate = new object();
        var acked = 0;

        void Resolve(Message m)
        {
            lock (gate)
            {
                if (!resolved.Add(m.Seq)) return;
                outstanding--;
                if (!producing && outstanding == 0) ready.Writer.TryComplete();
            }
        }

        void Retry(Message m)
        {
            var delay = TimeSpan.FromMilliseconds(Math.Min(4000, 250 * (1 << Math.Min(m.Attempts, 5))));
            _ = Task.Run(async () =>
            {
                try { await Task.Delay(delay, stop.Token); } catch (OperationCanceledException) { return; }
                ready.Writer.TryWrite(m);
            });
        }

        Task Record(string ev, Message m, string target, string detail) =>
            log.AppendAsync(string.Join('\t', Clock.NowMs().ToString(CultureInfo.InvariantCulture), ev, m.Id,
                m.Attempts.ToString(CultureInfo.InvariantCulture), target, string.Join(',', m.Recipients), Clean(detail)));

        var producer = Task.Run(async () =>
        {
            var start = DateTime.UtcNow;
            try
            {
                for (var seq = 1; ; seq++)
                {
                    if (count > 0 ? seq > count : DateTime.UtcNow - start >= duration) break;
                    if (rate > 0)
                    {
                        var due = start + TimeSpan.FromSeconds((seq - 1) / rate);
                        var wait = due - DateTime.UtcNow;
                        if (wait > TimeSpan.Zero) await Task.Delay(wait, stop.Token);
                    }
                    var m = Build(tag, seq, seed, domains, maxRcpts, badFraction, badDomain, sizeMix);
                    lock (gate) { all.Add(m); outstanding++; }
                    ready.Writer.TryWrite(m);
                }
            }
            catch (OperationCanceledException) { }
            lock (gate)
            {
                producing = false;
                if (outstanding == 0) ready.Writer.TryComplete();
            }
        });

        async Task SessionAsync(int index)
        {
            var targetIndex = index % targets.Length;
            TcpClient? client = null;
            Stream? stream = null;
            LineReader? reader = null;
            void Drop()
            {
                client?.Dispose();
                client = null; stream = null; reader = null;
                targetIndex = (targetIndex + 1) % targets.Length;
            }
            try
            {
                while (await ready.Reader.WaitToReadAsync(stop.Token))
                {
                    if (!ready.Reader.TryRead(out var m)) continue;
                    m.Attempts++;
                    var target = targets[targetIndex];
                    var name = target.ToString();
                    var dataSent = false;
                    using var op = CancellationTokenSource.CreateLinkedTokenSource(stop.Token);
                    op.CancelAfter(replyTimeout);
                    try
                    {
                        if (client is null)
                        {
                            client = await Net.ConnectAsync(target, TimeSpan.FromSeconds(5), op.Token);
                            stream = client.GetStream();
                            reader = new LineReader(stream);
                            var greet = await reader.ReadReplyAsync(op.Token);
                            if (greet.Code != 220) throw new SmtpFailure(greet.Code, greet.Text);
                            await Write(stream, $"EHLO gen{index}.chaos.test\r\n", op.Token);
                            var ehlo = await reader.ReadReplyAsync(op.Token);
                            if (ehlo.Code != 250) throw new SmtpFailure(ehlo.Code, ehlo.Text);
                        }
                        var envelope = new StringBuilder($"MAIL FROM:<chaos@gen.test> SIZE={m.Content.Length}\r\n");
                        foreach (var r in m.Recipients) envelope.Append($"RCPT TO:<{r}>\r\n");
                        await Write(stream!, envelope.ToString(), op.Token);   // pipelined
                        var mail = await reader!.ReadReplyAsync(op.Token);
                        (int Code, string Text)? failure = mail.Code == 250 ? null : mail;
                        foreach (var _ in m.Recipients)
                        {
                            var rr = await reader.ReadReplyAsync(op.Token);
                            if (rr.Code != 250 && failure is null) failure = rr;
                        }
                        if (failure is { } f)
                        {
                            await Write(stream!, "RSET\r\n", op.Token);
                            await reader.ReadReplyAsync(op.Token);
                            throw new SmtpFailure(f.Code, f.Text);
                        }
                        await Write(stream!, "DATA\r\n", op.Token);
                        var data = await reader.ReadReplyAsync(op.Token);
                        if (data.Code != 354) throw new SmtpFailure(data.Code, data.Text);
                        await stream!.WriteAsync(m.Content, op.Token);
                        await Write(stream!, ".\r\n", op.Token);
                        dataSent = true;
                        var final = await reader.ReadReplyAsync(op.Token);
                        if (final.Code == 250)
                        {
                            await Record("ack", m, name, final.Text);
                            Interlocked.Increment(ref acked);
                            Resolve(m);
                        }
                        else throw new SmtpFailure(final.Code, final.Text);
                    }
                    catch (SmtpFailure e) when (e.Code >= 500)
                    {
                        await Record("permfail", m, name, e.Message);
                        Resolve(m);
                    }
                    catch (SmtpFailure e)
                    {
                        await Record(dataSent ? "tempfail" : "tempfail-envelope", m, name, e.Message);
                        if (e.Code == 421) Drop();
                        Retry(m);
                    }
                    catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
                    {
                        if (stop.IsCancellationRequested && !dataSent) { Drop(); break; }
                        await Record(dataSent ? "unknown" : "notsent", m, name, e.GetType().Name + ": " + e.Message);
                        Drop();
                        if (!stop.IsCancellationRequested) Retry(m);
                    }
                }
            }
            catch (OperationCanceledException) { }
            finally { client?.Dispose(); }
        }

        var workers = Enumerable.Range(0, sessions).Select(i => Task.Run(() => SessionAsync(i))).ToArray();
        await producer;
        await Task.WhenAll(workers);
        int abandoned = 0, total;
        lock (gate)
        {
            total = all.Count;
            foreach (var m in all.Where(m => !resolved.Contains(m.Seq)))
            {
                abandoned++;
                _ = Record("abandoned", m, "-", "not acknowledged before --give-up");
            }
        }
        await log.DisposeAsync();
        Console.WriteLine($"gen: messages={total} acked={acked} abandoned={abandoned}");
        return 0;
    }

    private static string Clean(string s) => s.Replace('\t', ' ').Replace('\r', ' ').Replace('\n', ' ');

    private static Task Write(Stream s, string text, CancellationToken ct) => s.WriteAsync(Encoding.ASCII.GetBytes(text), ct).AsTask();

    private static Message Build(string tag, int seq, int seed, string[] domains, int maxRcpts, double badFraction, string badDomain, string sizeMix)
    {
        var rnd = new Random(unchecked(seed * 1_000_003 + seq));
        var n = Math.Min(maxRcpts, rnd.NextDouble() switch { < 0.7 => 1, < 0.9 => 2, _ => 3 });
        var rcpts = new List<string>();
        for (var i = 0; i < n; i++) rcpts.Add($"u{seq}r{i}@{domains[(seq + i) % domains.Length]}");
        if (badFraction > 0 && rnd.NextDouble() < badFraction)
        {
            if (rcpts.All(r => r.EndsWith("@" + badDomain, StringComparison.Ordinal)) && domains.Length > 1)
                rcpts[0] = $"u{seq}r0@{domains.First(d => d != badDomain)}";
            rcpts.Add($"bad-{seq}@{badDomain}");
        }
        var size = sizeMix switch
        {
            "small" => 2048,
            _ => rnd.NextDouble() switch { < 0.80 => 2048, < 0.95 => 16384 + rnd.Next(49152), < 0.99 => 262144, _ => 1048576 },
        };
        var id = $"<chaos.{tag}.{seq}@gen.test>";
        var sb = new StringBuilder();
        sb.Append($"Message-ID: {id}\r\nFrom: <chaos@gen.test>\r\nTo: {string.Join(", ", rcpts.Select(r => $"<{r}>"))}\r\n");
        sb.Append($"Subject: chaos {tag} {seq}\r\nDate: {DateTimeOffset.UtcNow.ToString("ddd, dd MMM yyyy HH:mm:ss +0000", CultureInfo.InvariantCulture)}\r\n");
        sb.Append("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n");
        const string alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
        var line = new char[76];
        while (sb.Length < size)
        {
            for (var i = 0; i < line.Length; i++) line[i] = alphabet[rnd.Next(alphabet.Length)];
            sb.Append(line).Append("\r\n");
        }
        return new Message { Seq = seq, Id = id, Recipients = [.. rcpts], Content = Encoding.ASCII.GetBytes(sb.ToString()) };
    }
}

public sealed class SmtpFailure(int code, string text) : Exception($"{code} {text}")
{
    public int Code { get; } = code;
}
