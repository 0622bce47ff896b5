using System.CommandLine;

namespace TransportGuard.Admin.Cli;

/// <summary>Options every API command shares: where the gateway is, its token (or its data directory, which holds
/// one), and the output form.</summary>
internal static class CliOptions
{
    public static readonly Option<string> Url = new("--url")
    {
        Description = "The gateway's HTTP endpoint (env TRANSPORTGUARD_URL)",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("TRANSPORTGUARD_URL") ?? "http://127.0.0.1:9525",
        Recursive = true,
        Validators = { result => { if (!Uri.TryCreate(result.GetValueOrDefault<string>(), UriKind.Absolute, out _)) result.AddError("--url must be an absolute URL such as http://127.0.0.1:9525"); } },
    };

    public static readonly Option<string?> Token = new("--token")
    {
        Description = "The admin bearer token, Http:AdminToken (env TRANSPORTGUARD_TOKEN; by default the one in --data)",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("TRANSPORTGUARD_TOKEN"),
        Recursive = true,
    };

    public static readonly Option<string> Data = new("--data")
    {
        Description = "The gateway's data directory, where it keeps the token it generated (env TRANSPORTGUARD_DATA) [default: ./data]",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("TRANSPORTGUARD_DATA") ?? "data",
        Recursive = true,
    };

    public static readonly Option<bool> Json = new("--json") { Description = "Print the API's JSON instead of a table", Recursive = true };

    /// <summary>The token given, else the one the gateway generated in its data directory (docs/operations.md): sent
    /// to a gateway on this machine, or elsewhere only when --data names the directory it came from.</summary>
    public static AdminClient Client(ParseResult parse)
    {
        var url = new Uri(parse.GetValue(Url)!);
        var token = parse.GetValue(Token);
        if (string.IsNullOrEmpty(token) && (url.IsLoopback || parse.GetResult(Data) is { Implicit: false }))
            token = AdminToken.TryRead(parse.GetValue(Data)!);
        return new AdminClient(url, token);
    }

    /// <summary>With --json, prints the API's answer as it came and returns true; otherwise the caller prints its text.</summary>
    public static bool PrintedAsJson(ParseResult parse, System.Text.Json.JsonElement body)
    {
        if (!parse.GetValue(Json))
            return false;
        Console.WriteLine(System.Text.Json.JsonSerializer.Serialize(body, AdminClient.Json));
        return true;
    }
}
