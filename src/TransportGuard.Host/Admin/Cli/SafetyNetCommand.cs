using System.CommandLine;

namespace TransportGuard.Admin.Cli;

/// <summary>`transportguard safetynet`: what the Safety Net holds, its recent resubmit requests and its mailbox cluster
/// routes (docs/safetynet.md).</summary>
internal static class SafetyNetCommand
{
    public static Command Build()
    {
        var command = new Command("safetynet", "Show the Safety Net: delivered mail held, resubmit requests, mailbox cluster routes")
        {
            CliOptions.Url, CliOptions.Token, CliOptions.Data, CliOptions.Json,
        };
        command.SetAction(async (parse, _) =>
        {
            using var client = CliOptions.Client(parse);
            var (body, code) = await client.SendAsync(HttpMethod.Get, "/api/safetynet");
            if (body is not { } status)
                return code;
            if (CliOptions.PrintedAsJson(parse, status))
                return 0;
            Console.WriteLine(status.GetProperty("enabled").GetBoolean()
                ? $"Safety Net: {status.GetProperty("messages").GetInt32()} message(s), {status.GetProperty("bytes").GetInt64()} bytes, " +
                  $"oldest delivery {(status.GetProperty("oldestDelivery").ValueKind == System.Text.Json.JsonValueKind.Null ? "-" : status.GetProperty("oldestDelivery").ToString())}; " +
                  $"hold time {status.GetProperty("holdTime")}, at most {status.GetProperty("maxBytes").GetInt64()} bytes"
                : "Safety Net: off (SafetyNet:Enabled false)");
            foreach (var route in status.GetProperty("routes").EnumerateArray())
            {
                var last = route.GetProperty("lastFailover");
                Console.WriteLine($"route {route.GetProperty("route").GetString()} ({route.GetProperty("name").GetString()}): active {Server(route.GetProperty("active"))}, " +
                    $"{route.GetProperty("failovers").GetInt32()} failover(s)" +
                    (last.ValueKind == System.Text.Json.JsonValueKind.Null ? "" : $", last at {last.GetProperty("at")} from {Server(last.GetProperty("from"))} to {Server(last.GetProperty("to"))}"));
                foreach (var server in route.GetProperty("servers").EnumerateArray())
                    Console.WriteLine($"  {Server(server.GetProperty("server"))}: {(server.GetProperty("healthy").ValueKind == System.Text.Json.JsonValueKind.True ? "healthy" : "failing")}" +
                        (server.GetProperty("active").GetBoolean() ? " (active)" : ""));
            }
            foreach (var request in status.GetProperty("requests").EnumerateArray())
                Console.WriteLine("  " + ResubmitCommand.Describe(request));
            return 0;
        });
        return command;
    }

    private static string Server(System.Text.Json.JsonElement hostPort) => $"{hostPort.GetProperty("host").GetString()}:{hostPort.GetProperty("port").GetInt32()}";
}
