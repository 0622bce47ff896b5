using System.Reflection;
using TransportGuard.Tests.Support;

namespace TransportGuard.Tests.Configuration;

/// <summary>The executable's own command line: --help and --version answer and exit, and a failed start is one line.</summary>
public sealed class CommandLineTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Theory]
    [InlineData("--help")]
    [InlineData("-h")]
    [InlineData("-?")]
    public async Task Help_lists_every_switch_and_the_commands_and_starts_nothing(string help)
    {
        var data = TempDirectory.Create("help");
        // The listeners are on port 0, so a help that started the gateway after all would bind nothing fixed.
        var result = await ProcessRunner.RunAsync("dotnet",
            [GatewayProcess.Executable, help, "--smtp", "127.0.0.1:0", "--http", "127.0.0.1:0", "--data", data], Timeout);

        Assert.Equal(0, result.ExitCode);
        foreach (var (name, key) in GatewayHost.Switches.Append(new("--peer", "Shadow:Peers")))
        {
            var line = Assert.Single(result.Output.Split('\n'), l => l.TrimStart().StartsWith(name + " ", StringComparison.Ordinal));
            Assert.Contains("[default: ", line, StringComparison.Ordinal);
            if (key.Contains(':', StringComparison.Ordinal))
                Assert.Contains(key, line, StringComparison.Ordinal);
        }
        Assert.Contains("--Section:Key VALUE", result.Output, StringComparison.Ordinal);
        foreach (var command in new[] { "spool", "queue", "resubmit", "drain", "trace" })
            Assert.Matches($@"(?m)^\s+{command}\s", result.Output);
        Assert.DoesNotContain("listening", result.Output, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(data, "spool")), "the spool was opened");
        Assert.Equal("", result.Error);
        TempDirectory.Delete(data);
    }

    [Fact]
    public async Task Version_prints_the_informational_version()
    {
        var result = await ProcessRunner.RunAsync("dotnet", [GatewayProcess.Executable, "--version"], Timeout);

        Assert.Equal(0, result.ExitCode);
        var version = typeof(GatewayHost).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()!.InformationalVersion;
        Assert.Equal(version, result.Output.Trim());
    }

    [Theory]
    [InlineData("SMTP")]
    [InlineData("HTTP")]
    public async Task A_second_gateway_on_a_busy_port_says_so_in_one_line_naming_the_address(string listener)
    {
        var first = TempDirectory.Create("busy1");
        var second = TempDirectory.Create("busy2");
        await using (var gateway = await GatewayProcess.StartAsync(first))
        {
            var smtp = listener == "SMTP";
            var busy = smtp ? gateway.SmtpEndPoint.ToString() : gateway.HttpAddress!.Authority;
            var result = await ProcessRunner.RunAsync("dotnet",
                [GatewayProcess.Executable, "--smtp", smtp ? busy : "127.0.0.1:0", "--http", smtp ? "127.0.0.1:0" : busy, "--data", second], Timeout);

            Assert.Equal(2, result.ExitCode);
            Assert.Equal($"transportguard: cannot start: {listener} listener {busy}: Address already in use", result.Error.TrimEnd('\n'));
            Assert.DoesNotContain("   at ", result.Output, StringComparison.Ordinal);
        }
        TempDirectory.Delete(first);
        TempDirectory.Delete(second);
    }

    [Theory]
    [InlineData("Unrecognized command or argument '--bogus'", "--bogus", "x")]
    [InlineData("Unrecognized command or argument '-x'", "-x")]
    [InlineData("Unrecognized command or argument 'stray'", "stray")]
    [InlineData("--Smtp:HostName needs a value", "--Smtp:HostName")]
    [InlineData("'queue' is a command and must come first", "queue", "list")]
    [InlineData("was not found and is not optional. The expected physical path was '/nonexistent/transportguard.json'", "--config", "/nonexistent/transportguard.json")]
    public async Task A_bad_command_line_stops_the_process_with_one_line(string expected, params string[] args)
    {
        var result = await ProcessRunner.RunAsync("dotnet",
            [GatewayProcess.Executable, "--smtp", "127.0.0.1:0", "--http", "127.0.0.1:0", "--data", TempDirectory.Create("badcli"), .. args], Timeout);

        Assert.Equal(2, result.ExitCode);
        var line = Assert.Single(result.Error.TrimEnd('\n').Split('\n'));
        Assert.StartsWith("transportguard: ", line, StringComparison.Ordinal);
        Assert.Contains(expected, line, StringComparison.Ordinal);
        Assert.DoesNotContain("listening", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Configuration_keys_pass_through_in_both_forms_whatever_their_values_look_like()
    {
        // A value that is a command's name or starts with a dash is still the key's value; the = form reaches the
        // options too, and the last --smtp wins, as configuration always had it.
        var result = await ProcessRunner.RunAsync("dotnet",
            [GatewayProcess.Executable, "--smtp", "not-an-endpoint", "--smtp", "127.0.0.1:0", "--http", "127.0.0.1:0", "--data", TempDirectory.Create("badopt"),
             "--Shadow:NodeId", "queue", "--Unused:Key", "-1", "--Queue:RetryJitter=2"], Timeout);

        Assert.Equal(2, result.ExitCode);
        Assert.Equal("transportguard: configuration error: Queue:RetryJitter must be at least 0 and below 1 (got 2)", result.Error.Trim());
    }
}
