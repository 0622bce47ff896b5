using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading.Channels;

namespace TransportGuard.Chaos;

public sealed class OptionException(string message) : Exception(message);

/// <summary>--key value pairs; a key given twice keeps the last value.</summary>
public sealed class Options
{
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);

    public static Options Parse(IEnumerable<string> args)
    {
        var o = new Options();
        string? key = null;
        foreach (var a in args)
        {
            if (a.StartsWith("--", StringComparison.Ordinal))
            {
                if (key is not null) o._values[key] = "true";
                key = a[2..];
            }
            else if (key is not null)
            {
                o._values[key] = a;
                key = null;
            }
            else throw new OptionException($"unexpected argument '{a}'");
        }
        if (key is not null) o._values[key] = "true";
        return o;
    }

    public string Str(string key, string? fallback = null) =>
        _values.TryGetValue(key, out var v) ? v : fallback ?? throw new OptionException($"--{key} is required");

    public string? Maybe(string key) => _values.GetValueOrDefault(key);

    public double Num(string key, double fallback) =>
        _values.TryGetValue(key, out var v) ? double.Parse(v, CultureInfo.InvariantCulture) : fallback;

    public int Int(string key, int fallback) => (int)Num(key, fallback);

    public bool Flag(string key) => _values.TryGetValue(key, out var v) && v != "false";
}

public static class Clock
{
    public static long NowMs() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
}

public static class Endpoints
{
    public static IPEndPoint Parse(string s)
    {
        var i = s.LastIndexOf(':');
        if (i <= 0) throw new OptionException($"'{s}' is not HOST:PORT");
        return new IPEndPoint(IPAddress.Parse(s[..i].Trim('[', ']')), int.Parse(s[(i + 1)..], CultureInfo.InvariantCulture));
    }
}

/// <summary>
/// An append-only text file whose lines are on disk (fsync) before <see cref="AppendAsync"/> completes; concurrent
/// appends share one fsync (group commit).
/// </summary>
public sealed class DurableLog : IAsyncDisposable
{
    private readonly FileStream _file;
    private readonly Channel<(string Line, TaskCompletionSource Done)> _pending =
        Channel.CreateUnbounded<(string, TaskCompletionSource)>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _writer;

    public DurableLog(string path)
    {
        _file = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
        _writer = Task.Run(WriteLoopAsync);
    }

    public Task AppendAsync(string line)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_pending.Writer.TryWrite((line, done))) done.SetException(new ObjectDisposedException(nameof(DurableLog)));
        return done.Task;
    }

    private async Task WriteLoopAsync()
    {
        var batch = new List<TaskCompletionSource>();
        var text = new StringBuilder();
        while (await _pending.Reader.WaitToReadAsync())
        {
            batch.Clear();
            text.Clear();
            while (_pending.Reader.TryRead(out var item))
            {
                text.Append(item.Line).Append('\n');
                batch.Add(item.Done);
            }
            try
            {
                var bytes = Encoding.UTF8.GetBytes(text.ToString());
                _file.Write(bytes);
                _file.Flush(flushToDisk: true);
                foreach (var d in batch) d.TrySetResult();
            }
            catch (Exception e)
            {
                foreach (var d in batch) d.TrySetException(e);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _pending.Writer.TryComplete();
        await _writer;
        await _file.DisposeAsync();
    }
}

/// <summary>CRLF-terminated lines from a stream, as bytes (message data) or ASCII (commands, replies).</summary>
public sealed class LineReader(Stream stream)
{
    private readonly byte[] _buffer = new byte[64 * 1024];
    private int _start, _end;

    /// <summary>One line without its CRLF (or LF), or null at end of stream.</summary>
    public async Task<byte[]?> ReadLineBytesAsync(CancellationToken ct)
    {
        var assembled = new List<byte>();
        while (true)
        {
            var nl = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
            if (nl >= 0)
            {
                var len = nl - _start;
                for (var i = 0; i < len; i++) assembled.Add(_buffer[_start + i]);
                _start = nl + 1;
                if (assembled.Count > 0 && assembled[^1] == '\r') assembled.RemoveAt(assembled.Count - 1);
                return assembled.ToArray();
            }
            for (var i = _start; i < _end; i++) assembled.Add(_buffer[i]);
            _start = _end = 0;
            var n = await stream.ReadAsync(_buffer.AsMemory(0, _buffer.Length), ct);
            if (n == 0) return null;
            _end = n;
        }
    }

    public async Task<string?> ReadLineAsync(CancellationToken ct)
    {
        var b = await ReadLineBytesAsync(ct);
        return b is null ? null : Encoding.Latin1.GetString(b);
    }

    /// <summary>A whole (possibly multi-line) SMTP reply: its code and the text of its last line.</summary>
    public async Task<(int Code, string Text)> ReadReplyAsync(CancellationToken ct)
    {
        var all = new StringBuilder();
        while (true)
        {
            var line = await ReadLineAsync(ct) ?? throw new IOException("connection closed");
            all.Append(line).Append(' ');
            if (line.Length < 3 || !int.TryParse(line.AsSpan(0, 3), NumberStyles.None, CultureInfo.InvariantCulture, out var code))
                throw new IOException($"bad reply '{line}'");
            if (line.Length == 3 || line[3] == ' ') return (code, all.ToString().Trim());
        }
    }
}

public static class Net
{
    public static async Task<TcpClient> ConnectAsync(IPEndPoint ep, TimeSpan timeout, CancellationToken ct)
    {
        var c = new TcpClient(ep.AddressFamily) { NoDelay = true };
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(timeout);
        try
        {
            await c.ConnectAsync(ep, cts.Token);
            return c;
        }
        catch
        {
            c.Dispose();
            throw;
        }
    }
}
