using NetArchTest.Rules;

namespace TransportGuard.Tests.Architecture;

/// <summary>
/// The feature folders of the gateway and what each may use (docs/architecture.md, Folders): a folder may depend
/// only on folders before it in <see cref="Order"/>, so the graph has no cycle. The root namespace (the composition
/// root, GatewayHost) may use them all.
/// </summary>
internal static class FolderDependencies
{
    /// <summary>Utilities first (message tracking among them: every stage records into it), then the stages by what
    /// they need to know (the store implements the receive engine's sink; delivery reads content from the store; the
    /// queue runs delivery), then the admin API, then the plug-ins at the stages' seams.</summary>
    public static readonly string[] Order = ["Configuration", "Telemetry", "Tracking", "Smtp", "Spool", "Delivery", "Queue", "Admin", "Dedup", "SafetyNet", "Shadow"];

    public static string Namespace(string folder) => $"TransportGuard.{folder}";

    /// <summary>The folder's namespace and those below it.</summary>
    public static string Pattern(string folder) => $@"^TransportGuard\.{folder}(\.|$)";

    /// <summary>The types of <paramref name="folder"/> that depend on <paramref name="other"/>.</summary>
    public static IReadOnlyList<string> TypesDependingOn(string folder, string other)
    {
        var result = Types.InAssembly(typeof(GatewayHost).Assembly).That().ResideInNamespaceMatching(Pattern(folder))
            .ShouldNot().HaveDependencyOnAny(Namespace(other)).GetResult();
        return result.IsSuccessful ? [] : [.. result.FailingTypes.Select(t => t.FullName)];
    }

    /// <summary>Every folder's dependencies on other folders, as built.</summary>
    public static IReadOnlyDictionary<string, IReadOnlyList<string>> Graph() =>
        Order.ToDictionary(f => f, f => (IReadOnlyList<string>)[.. Order.Where(o => o != f && TypesDependingOn(f, o).Count > 0)]);
}
