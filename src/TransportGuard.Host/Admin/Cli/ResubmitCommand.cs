using System.CommandLine;

namespace TransportGuard.Admin.Cli;

/// <summary>`transportguard resubmit`: a Safety Net resubmit request, after Exchange's Add-ResubmitRequest.</summary>
internal static class ResubmitCommand
{
    public static Command Build()
    {
        var start = new Option<DateTimeOffset>("--start") { Description = "Start of the delivery-time window (ISO 8601)", Required = true };
        var end = new Option<DateTimeOffset>("--end") { Description = "End of the window (ISO 8601)", Required = true };
        var destination = new Option<string?>("--destination") { Description = "Messages delivered to this route or host" };
        var sender = new Option<string?>("--sender") { Description = "Messages from this sender" };
        var recipient = new Option<string?>("--recipient") { Description = "Messages to this recipient" };
        var messageId = new Option<string?>("--message-id") { Description = "The message with this Message-ID" };
        var resubmitTo = new Option<string?>("--resubmit-to") { Description = "Deliver the copies by this route instead" };
        var dryRun = new Option<bool>("--dry-run") { Description = "Only count what would be resubmitted" };
        var command = new Command("resubmit", "Resubmit delivered mail held in the Safety Net")
        {
            CliOptions.Url, CliOptions.Token, CliOptions.Data, CliOptions.Json, start, end, destination, sender, recipient, messageId, resubmitTo, dryRun,
        };
        command.SetAction(async (parse, _) =>
        {
            using var client = CliOptions.Client(parse);
            var (body, code) = await client.SendAsync(HttpMethod.Post, "/api/safetynet/resubmit", new
            {
                Start = parse.GetValue(start), End = parse.GetValue(end), Destination = parse.GetValue(destination),
                Sender = parse.GetValue(sender), Recipient = parse.GetValue(recipient), MessageId = parse.GetValue(messageId),
                ResubmitTo = parse.GetValue(resubmitTo), DryRun = parse.GetValue(dryRun),
            });
            if (body is not { } result)
                return code;
            if (!CliOptions.PrintedAsJson(parse, result))
                Console.WriteLine(Describe(result));
            return 0;
        });
        return command;
    }

    /// <summary>"RS…: matched 12 message(s) (14 recipient(s)) delivered 2026-… to 2026-…; 12 queued again: …".</summary>
    public static string Describe(System.Text.Json.JsonElement result)
    {
        var filter = result.GetProperty("filter");
        var dryRun = result.GetProperty("dryRun").GetBoolean();
        return $"{result.GetProperty("requestId").GetString()} ({result.GetProperty("trigger").GetString()}{(dryRun ? ", dry run" : "")}): " +
            $"matched {result.GetProperty("matched").GetInt32()} message(s), {result.GetProperty("recipients").GetInt32()} recipient(s), " +
            $"delivered between {filter.GetProperty("start")} and {filter.GetProperty("end")}; " +
            $"{(dryRun ? "nothing queued" : $"{result.GetProperty("resubmitted").GetInt32()} queued again")} ({result.GetProperty("note").GetString()})";
    }
}
