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
            if (status.TryGetProperty("routes", out var routes))
                foreach (var route in routes.EnumerateArray())
                    Console.WriteLine($"route {route.GetProperty("route").GetString()}: active {route.GetProperty("active").GetString()}, " +
                        $"{route.GetProperty("failovers").GetInt32()} failover(s){(route.TryGetProperty("lastFailover", out var last) && last.ValueKind != System.Text.Json.JsonValueKind.Null ? ", last " + last : "")}");
            foreach (var request in status.GetProperty("requests").EnumerateArray())
                Console.WriteLine("  " + ResubmitCommand.Describe(request));
            return 0;
        });
        return command;
    }
}
