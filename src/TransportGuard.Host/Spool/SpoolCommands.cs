using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;

namespace TransportGuard.Spool;

/// <summary>
/// `transportguard spool list|show|verify`: reads a spool directly, read-only, so it works on a spool copied from
/// a dead node as well as beside a running gateway. Human-readable by default, --json for scripts.
/// </summary>
internal static class SpoolCommands
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    public static Command Build()
    {
        var data = new Option<string>("--data") { Description = "The node's data directory (the spool is its 'spool' folder)", DefaultValueFactory = _ => "data" };
        var json = new Option<bool>("--json") { Description = "Print JSON instead of a table" };
        var id = new Argument<string>("queue-id") { Description = "The queue id of the message" };

        var list = new Command("list", "List the queued messages") { data, json };
        list.SetAction(r => Run(r.GetValue(data)!, spool => List(spool, r.GetValue(json))));

        var show = new Command("show", "Show one message's envelope") { id, data };
        show.SetAction(r => Run(r.GetValue(data)!, spool => Show(spool, r.GetValue(id)!)));

        var verify = new Command("verify", "Check every record and every message's length and SHA-256") { data, json };
        verify.SetAction(r => Run(r.GetValue(data)!, spool => VerifyAsync(spool, r.GetValue(json)).GetAwaiter().GetResult()));

        return new Command("spool", "Inspect a spool offline") { list, show, verify };
    }

    private static int Run(string dataDirectory, Func<MessageSpool, int> action)
    {
        var directory = Path.Combine(dataDirectory, "spool");
        if (!Directory.Exists(directory))
        {
            Console.Error.WriteLine($"transportguard: no spool at {directory}");
            return 2;
        }
        var spool = MessageSpool.Open(directory, NullLogger.Instance, readOnly: true);
        try
        {
            return action(spool);
        }
        finally
        {
            spool.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    private static int List(MessageSpool spool, bool json)
    {
        var messages = spool.Index.Messages.Select(m => m.Envelope).ToList();
        if (json)
        {
            Console.WriteLine(JsonSerializer.Serialize(messages.Select(e => new { e.QueueId, e.ReceivedAt, e.Length, e.ReversePath, Recipients = e.Recipients.Select(r => r.Address) }), Json));
            return 0;
        }
        Console.WriteLine($"{"QUEUE ID",-16} {"RECEIVED (UTC)",-20} {"SIZE",10}  {"SENDER",-32} RECIPIENTS");
        foreach (var e in messages)
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{e.QueueId,-16} {e.ReceivedAt.UtcDateTime,-20:yyyy-MM-dd HH:mm:ss} {e.Length,10}  {"<" + e.ReversePath + ">",-32} {string.Join(", ", e.Recipients.Select(r => r.Address))}"));
        Console.WriteLine($"{messages.Count} message(s), {messages.Sum(e => e.Length)} bytes");
        return 0;
    }

    private static int Show(MessageSpool spool, string queueId)
    {
        if (!spool.Index.TryGet(queueId, out var message))
        {
            Console.Error.WriteLine($"transportguard: no queued message {queueId}");
            return 1;
        }
        Console.WriteLine(JsonSerializer.Serialize(message.Envelope, Json));
        return 0;
    }

    private static async Task<int> VerifyAsync(MessageSpool spool, bool json)
    {
        long records = 0, unreadable = 0;
        foreach (var (_, kind, _) in spool.ScanRecords())
        {
            records++;
            if (kind is null)
                unreadable++;
        }
        var damaged = new List<string>();
        foreach (var message in spool.Index.Messages)
        {
            try
            {
                await spool.ReadContentAsync(message.Envelope);
            }
            catch (Exception ex) when (ex is InvalidDataException or IOException or FASTER.core.FasterException)
            {
                damaged.Add(message.Envelope.QueueId);
            }
        }
        var verified = spool.Index.Count - damaged.Count;
        if (json)
            Console.WriteLine(JsonSerializer.Serialize(new { Records = records, UnreadableRecords = unreadable, Verified = verified, Damaged = damaged }, Json));
        else
        {
            foreach (var id in damaged)
                Console.WriteLine($"DAMAGED {id}: content does not match its envelope (length or SHA-256)");
            Console.WriteLine($"{records} record(s) scanned, {unreadable} unreadable; {verified} message(s) verified, {damaged.Count} damaged");
        }
        return damaged.Count == 0 && unreadable == 0 ? 0 : 1;
    }
}
