using System.CommandLine;
using System.Text.Json;

namespace TransportGuard.Admin.Cli;

/// <summary>`transportguard drain [--to PEER] [--cancel]`: take a running node out for maintenance, or back into
/// service (see NodeDrain). Run again after a timeout, it waits for the same drain or drains what is left.</summary>
internal static class DrainCommand
{
    public static Command Build()
    {
        var to = new Option<string?>("--to") { Description = "The peer to hand the queue to (the first live peer by default)" };
        var cancel = new Option<bool>("--cancel") { Description = "Stop a drain and take the node back into service" };
        var command = new Command("drain", "Stop taking mail and hand the queue to a peer, so the node can be stopped empty")
        {
            CliOptions.Url, CliOptions.Token, CliOptions.Data, CliOptions.Json, to, cancel,
        };
        command.SetAction(async (parse, _) =>
        {
            using var client = CliOptions.Client(parse);
            if (parse.GetValue(cancel))
            {
                var (cancelled, status) = await client.SendAsync(HttpMethod.Delete, "/api/drain");
                if (cancelled is not null)
                    Console.WriteLine("drain cancelled: the node takes mail again");
                return status;
            }
            var peer = parse.GetValue(to);
            // The drain goes on in the gateway; each call waits for it a while, so ask again until it has ended.
            while (true)
            {
                var (body, code) = await client.SendAsync(HttpMethod.Post, "/api/drain" + (peer is null ? "" : $"?to={Uri.EscapeDataString(peer)}"));
                if (body is not { } report)
                    return code;
                if (report.GetProperty("running").GetBoolean())
                {
                    peer = report.GetProperty("peer").GetString();
                    Console.Error.WriteLine($"still draining to {peer}: {report.GetProperty("remaining").GetInt32()} message(s) in the spool");
                    continue;
                }
                return Print(parse, report);
            }
        });
        return command;
    }

    private static int Print(ParseResult parse, JsonElement report)
    {
        if (!CliOptions.PrintedAsJson(parse, report))
            Console.WriteLine($"drained to {report.GetProperty("peer").GetString()}: {report.GetProperty("handedOver").GetInt32()} handed over, " +
                $"{report.GetProperty("dropped").GetInt32()} shadow(s) dropped, {report.GetProperty("failed").GetInt32()} refused, " +
                (report.GetProperty("busy").GetInt32() is > 0 and var busy ? $"{busy} still being delivered, " : "") +
                $"{report.GetProperty("remaining").GetInt32()} left");
        return report.GetProperty("remaining").GetInt32() == 0 ? 0 : 1;
    }
}
