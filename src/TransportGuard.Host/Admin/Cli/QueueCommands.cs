using System.CommandLine;
using System.Globalization;
using System.Text.Json;

namespace TransportGuard.Admin.Cli;

/// <summary>
/// `transportguard queue [list|show|hold|release|retry|delete]` against a running gateway's admin API: the
/// operator's mailq / postqueue / postsuper. Tables by default, --json for scripts.
/// </summary>
internal static class QueueCommands
{
    public static Command Build()
    {
        var state = new Option<string?>("--state") { Description = "Only messages in this state: ready, active, deferred or held" };
        var search = new Option<string?>("--search") { Description = "Only messages whose sender or a pending recipient contains this" };
        var limit = new Option<int>("--limit") { Description = "At most this many", DefaultValueFactory = _ => 1000 };
        var id = new Argument<string>("queue-id") { Description = "The queue id of the message" };
        var bounce = new Option<bool>("--bounce") { Description = "Return the message to its sender with a delivery status notification" };

        var list = new Command("list", "List the queue (the default)") { state, search, limit };
        list.SetAction((parse, _) => ListAsync(parse, parse.GetValue(state), parse.GetValue(search), parse.GetValue(limit)));
        var show = new Command("show", "Show one message: envelope, recipients' outcomes, state") { id };
        show.SetAction((parse, _) => ShowAsync(parse, parse.GetValue(id)!));
        var retryAll = new Command("retry", "Attempt a deferred message now, or every deferred message without an id") { new Argument<string?>("queue-id") { Arity = ArgumentArity.ZeroOrOne } };
        retryAll.SetAction((parse, _) => parse.GetValue<string?>("queue-id") is { } one
            ? ActAsync(parse, HttpMethod.Post, $"/api/queue/{one}/retry")
            : ActAsync(parse, HttpMethod.Post, "/api/queue/retry"));

        var queue = new Command("queue", "The queue of a running gateway, through its admin API")
        {
            CliOptions.Url, CliOptions.Token, CliOptions.Data, CliOptions.Json, state, search, limit,
            list, show, Action("hold", "Keep a message from delivery until released", id, i => $"/api/queue/{i}/hold"),
            Action("release", "Release a held message for delivery now", id, i => $"/api/queue/{i}/release"),
            retryAll,
        };
        var delete = new Command("delete", "Delete a message (with --bounce, report it to its sender first)") { id, bounce };
        delete.SetAction((parse, _) => ActAsync(parse, HttpMethod.Delete, $"/api/queue/{parse.GetValue(id)}?bounce={(parse.GetValue(bounce) ? "true" : "false")}"));
        queue.Subcommands.Add(delete);
        queue.SetAction((parse, _) => ListAsync(parse, parse.GetValue(state), parse.GetValue(search), parse.GetValue(limit)));
        return queue;
    }

    private static Command Action(string name, string description, Argument<string> id, Func<string, string> path)
    {
        var command = new Command(name, description) { id };
        command.SetAction((parse, _) => ActAsync(parse, HttpMethod.Post, path(parse.GetValue(id)!)));
        return command;
    }

    private static async Task<int> ListAsync(ParseResult parse, string? state, string? search, int limit)
    {
        using var client = CliOptions.Client(parse);
        var query = $"/api/queue?limit={limit}" + (state is null ? "" : $"&state={Uri.EscapeDataString(state)}") + (search is null ? "" : $"&search={Uri.EscapeDataString(search)}");
        var (body, code) = await client.SendAsync(HttpMethod.Get, query);
        if (body is not { } page)
            return code;
        if (CliOptions.PrintedAsJson(parse, page))
            return 0;
        Console.WriteLine($"{"QUEUE ID",-16} {"STATE",-9} {"SIZE",9} {"ARRIVED (UTC)",-19} {"TRIES",5} {"NEXT TRY (UTC)",-19} {"SENDER",-28} RECIPIENTS / LAST ERROR");
        foreach (var item in page.GetProperty("items").EnumerateArray())
        {
            var next = item.GetProperty("nextAttemptAt") is { ValueKind: JsonValueKind.String } at ? Time(at) : "-";
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{item.GetProperty("queueId").GetString(),-16} {item.GetProperty("state").GetString()!.ToLowerInvariant(),-9} {item.GetProperty("size").GetInt64(),9} {Time(item.GetProperty("receivedAt")),-19} {item.GetProperty("attempts").GetInt32(),5} {next,-19} {"<" + item.GetProperty("sender").GetString() + ">",-28} {string.Join(", ", item.GetProperty("pendingRecipients").EnumerateArray().Select(r => r.GetString()))}"));
            if (item.GetProperty("lastError") is { ValueKind: JsonValueKind.String } error)
                Console.WriteLine($"{"",16}   ({error.GetString()})");
        }
        Console.WriteLine($"{page.GetProperty("total").GetInt32()} message(s)");
        return 0;
    }

    private static async Task<int> ShowAsync(ParseResult parse, string id)
    {
        using var client = CliOptions.Client(parse);
        var (body, code) = await client.SendAsync(HttpMethod.Get, $"/api/queue/{id}");
        if (body is { } detail)
            Console.WriteLine(JsonSerializer.Serialize(detail, AdminClient.Json)); // one message: the JSON is the readable form
        return code;
    }

    private static async Task<int> ActAsync(ParseResult parse, HttpMethod method, string path)
    {
        using var client = CliOptions.Client(parse);
        var (body, code) = await client.SendAsync(method, path);
        if (body is not { } result)
            return code;
        if (CliOptions.PrintedAsJson(parse, result))
            return 0;
        if (result.TryGetProperty("action", out var action))
            Console.WriteLine($"{result.GetProperty("queueId").GetString()}: {action.GetString()}");
        else
            Console.WriteLine($"{result.GetProperty("retried").GetInt32()} deferred message(s) scheduled for now");
        return 0;
    }

    private static string Time(JsonElement value) => value.GetDateTimeOffset().UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
}
