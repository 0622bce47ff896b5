using System.Globalization;

namespace TransportGuard.Tests.Deploy;

/// <summary>Reads the gateway's stable switches (docs/operations.md) out of an argument list: compose command, Pod args, CMD.</summary>
internal static class GatewaySwitches
{
    public static IReadOnlyList<string> All(IReadOnlyList<string> args, string name) =>
        [.. Enumerable.Range(0, args.Count - 1).Where(i => args[i] == name).Select(i => args[i + 1])];

    public static string Single(IReadOnlyList<string> args, string name)
    {
        var values = All(args, name);
        Assert.True(values.Count == 1, $"expected one {name} in [{string.Join(' ', args)}], found {values.Count}");
        return values[0];
    }

    /// <summary>The port of a HOST:PORT switch value such as --smtp 0.0.0.0:2525.</summary>
    public static int ListenPort(IReadOnlyList<string> args, string name) => PortOf(Single(args, name));

    public static int PortOf(string hostPort) =>
        int.Parse(hostPort.AsSpan(hostPort.LastIndexOf(':') + 1), NumberStyles.None, CultureInfo.InvariantCulture);

    public static IReadOnlyList<PeerSwitch> Peers(IReadOnlyList<string> args) => [.. All(args, "--peer").Select(PeerSwitch.Parse)];
}

/// <summary>One --peer ID@HOST:PORT.</summary>
internal sealed record PeerSwitch(string Id, string Host, int Port)
{
    public static PeerSwitch Parse(string value)
    {
        var at = value.IndexOf('@', StringComparison.Ordinal);
        var colon = value.LastIndexOf(':');
        Assert.True(at > 0 && colon > at + 1, $"--peer {value} is not ID@HOST:PORT");
        return new PeerSwitch(value[..at], value[(at + 1)..colon], GatewaySwitches.PortOf(value));
    }

    public override string ToString() => $"{Id}@{Host}:{Port}";
}
