using System.CommandLine;

namespace TransportGuard.Admin.Cli;

/// <summary>`transportguard drain [--to PEER]`: take a running node out for maintenance (see NodeDrain).</summary>
internal static class DrainCommand
{
    public static Command Build()
    {
        var to = new Option<string?>("--to") { Description = "The peer to hand the queue to (the first live peer by default)" };
        var command = new Command("drain", "Stop taking mail and hand the queue to a peer, so the node can be stopped empty")
        {
            CliOptions.Url, CliOptions.Token, CliOptions.Json, to,
        };
        command.SetAction(async (parse, _) =>
        {
            using var client = CliOptions.Client(parse);
            var peer = parse.GetValue(to);
            var (body, code) = await client.SendAsync(HttpMethod.Post, "/api/drain" + (peer is null ? "" : $"?to={Uri.EscapeDataString(peer)}"));
            if (body is not { } report)
                return code;
            if (!CliOptions.PrintedAsJson(parse, report))
                Console.WriteLine($"drained to {report.GetProperty("peer").GetString()}: {report.GetProperty("handedOver").GetInt32()} handed over, " +
                    $"{report.GetProperty("dropped").GetInt32()} shadow(s) dropped, {report.GetProperty("failed").GetInt32()} refused, " +
                    $"{report.GetProperty("remaining").GetInt32()} left");
            return report.GetProperty("remaining").GetInt32() == 0 ? 0 : 1;
        });
        return command;
    }
}
