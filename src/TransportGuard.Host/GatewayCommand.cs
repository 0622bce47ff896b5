using System.CommandLine;
using System.CommandLine.Invocation;
using System.CommandLine.Parsing;
using TransportGuard.Admin.Cli;
using TransportGuard.Shadow;
using TransportGuard.Spool;

namespace TransportGuard;

/// <summary>
/// The executable's command line: without a command it runs the gateway (<see cref="GatewayRun"/>); `spool`, `queue`, `resubmit`,
/// `drain` and `trace` are the tools. System.CommandLine knows the stable switches, so --help documents them and a misspelt
/// one is refused; the gateway still reads its configuration from the arguments as they were given (<see cref="GatewayHost"/>), so
/// the two cannot disagree about a value.
/// </summary>
internal static class GatewayCommand
{
    /// <summary>What --help says about each short switch, in this order; the key comes from GatewayHost's table.</summary>
    private static readonly (string Name, string HelpName, string Description)[] Help =
    [
        ("--smtp", "HOST:PORT[,HOST:PORT]", "SMTP listeners [default: 127.0.0.1:2525]"),
        ("--smtps", "HOST:PORT", "SMTP listener with TLS from the first byte [default: none]"),
        ("--hostname", "NAME", "Name in the greeting and Received headers [default: the machine's name]"),
        ("--data", "DIR", "Data directory; the spool is DIR/spool [default: ./data]"),
        ("--relay-to", "HOST:PORT[,HOST:PORT]", "Smart hosts for every domain without its own route [default: none: deliver to DIR/mailbox]"),
        ("--http", "HOST:PORT[,HOST:PORT]", "Metrics, health and the admin API [default: 127.0.0.1:9525]"),
        ("--node-id", "ID", "This node's name among its peers [default: the machine's name]"),
        ("--peer", "ID@HOST:PORT", "A peer and its SMTP endpoint, once per peer [default: none]"),
        ("--config", "FILE", "An extra JSON configuration file [default: none]"),
    ];

    private const string Description = """
        TransportGuard, an SMTP relay. Without a command, runs the gateway.

        Configuration comes from appsettings.json beside the executable, then --config FILE, then TG_ environment
        variables (TG_Smtp__Limits__MaxRecipients=200), then the switches below; later sources win. Any key can be
        given as --Section:Key VALUE or --Section:Key=VALUE, e.g. --Queue:Suspended true. A bad value, an unknown
        switch or a listener that cannot bind stops the gateway with one line on stderr and exit code 2.
        """;

    public static async Task<int> InvokeAsync(string[] args)
    {
        var root = Build(args);
        if (args.Length > 0 && root.Subcommands.Any(c => c.Name == args[0]))
            return await root.Parse(args).InvokeAsync(); // the tools parse as they always have

        // No response files: a value starting with @ is a value.
        var parse = root.Parse(WithoutConfigurationKeys(args, out var keyWithoutValue), new ParserConfiguration { ResponseFileTokenReplacer = null });
        string? error = null;
        if (keyWithoutValue is not null)
            error = $"{keyWithoutValue} needs a value";
        else if (parse.Action is ParseErrorAction)
            error = parse.Errors[0].Message.TrimEnd('.');
        else if (parse.CommandResult.Command != root)
            error = $"'{parse.RootCommandResult.Children.OfType<CommandResult>().First().Command.Name}' is a command and must come first";
        if (error is not null)
        {
            Console.Error.WriteLine($"transportguard: {error} (see transportguard --help)");
            return StartupFailure.ExitCode;
        }
        // The host answers SIGTERM with its own orderly shutdown, which System.CommandLine's handler would cut short;
        // and a failure once the gateway runs keeps its stack trace.
        return await parse.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null, EnableDefaultExceptionHandler = false });
    }

    private const string CheckSwitch = "--check";

    private static RootCommand Build(string[] args)
    {
        var root = new RootCommand(Description) { SpoolCommands.Build(), QueueCommands.Build(), ResubmitCommand.Build(), SafetyNetCommand.Build(), DrainCommand.Build(), TraceCommand.Build() };
        var keys = GatewayHost.Switches.Append(new("--peer", $"{ShadowOptions.Section}:{nameof(ShadowOptions.Peers)}")).ToDictionary();
        // Every switch the host maps is accepted, so one added there and not here is still taken, if undocumented.
        foreach (var name in Help.Select(h => h.Name).Union(keys.Keys))
        {
            var (_, helpName, description) = Help.FirstOrDefault(h => h.Name == name);
            var key = keys.GetValueOrDefault(name, "");
            // An array, so a switch given twice is not an error: configuration takes the last, as it always has.
            root.Add(new Option<string[]>(name)
            {
                HelpName = helpName,
                Description = key.Contains(':', StringComparison.Ordinal) ? $"{key}: {description}" : description,
            });
        }
        var check = new Option<bool>(CheckSwitch)
        {
            Description = "Check the configuration (switches, --config file, TG_ variables, secret files) and exit: 0 when the gateway would start with it, 2 with a line per bad key. Binds nothing and writes nothing",
        };
        root.Add(check);
        root.SetAction((parse, _) => parse.GetValue(check) ? Task.FromResult(GatewayRun.Check([.. args.Where(a => a != CheckSwitch)])) : GatewayRun.RunAsync(args));
        return root;
    }

    /// <summary>
    /// Takes out the --Section:Key VALUE and --Section:Key=VALUE pairs, which are configuration, not switches. The
    /// value is the next argument whatever it looks like, as .NET configuration reads it; so a value that happens to
    /// be a command's name or to start with a dash is still a value.
    /// </summary>
    private static string[] WithoutConfigurationKeys(string[] args, out string? keyWithoutValue)
    {
        var kept = new List<string>(args.Length);
        keyWithoutValue = null;
        for (var i = 0; i < args.Length; i++)
        {
            if (IsConfigurationKey(args[i]))
            {
                if (args[i].Contains('=', StringComparison.Ordinal))
                    continue;
                if (++i == args.Length)
                    keyWithoutValue = args[i - 1]; // configuration would drop it without a word
                continue;
            }
            kept.Add(args[i]);
        }
        return [.. kept];
    }

    /// <summary>--Section:Key or --Section:Key=VALUE (the value may hold colons of its own: --peer=a@1.2.3.4:25 is a switch).</summary>
    private static bool IsConfigurationKey(string arg) =>
        arg.StartsWith("--", StringComparison.Ordinal) && arg.Split('=', 2)[0].Contains(':', StringComparison.Ordinal);
}
