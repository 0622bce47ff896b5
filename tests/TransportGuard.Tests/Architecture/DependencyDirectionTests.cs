using NetArchTest.Rules;

namespace TransportGuard.Tests.Architecture;

/// <summary>The directions of docs/architecture.md, checked on the built assembly.</summary>
public sealed class DependencyDirectionTests(ITestOutputHelper output)
{
    [Fact]
    public void Every_feature_folder_depends_only_on_folders_before_it()
    {
        var against = new List<string>();
        for (var i = 0; i < FolderDependencies.Order.Length; i++)
            foreach (var later in FolderDependencies.Order.Skip(i + 1))
                foreach (var type in FolderDependencies.TypesDependingOn(FolderDependencies.Order[i], later))
                    against.Add($"{type} uses {FolderDependencies.Namespace(later)}");
        foreach (var (folder, uses) in FolderDependencies.Graph())
            output.WriteLine($"{folder} -> {string.Join(", ", uses)}");
        Assert.True(against.Count == 0, "dependencies against the intended direction:\n" + string.Join("\n", against));
    }

    [Fact]
    public void The_folder_graph_has_no_cycle()
    {
        var graph = FolderDependencies.Graph();
        var done = new HashSet<string>();
        var path = new List<string>();
        foreach (var folder in graph.Keys)
            Visit(folder);

        void Visit(string folder)
        {
            if (done.Contains(folder))
                return;
            Assert.False(path.Contains(folder), "cycle: " + string.Join(" -> ", path.SkipWhile(f => f != folder).Append(folder)));
            path.Add(folder);
            foreach (var next in graph[folder])
                Visit(next);
            path.RemoveAt(path.Count - 1);
            done.Add(folder);
        }
    }

    [Fact]
    public void Only_the_composition_root_names_shadow_redundancy()
    {
        var result = Types.InAssembly(typeof(GatewayHost).Assembly).That().ResideInNamespaceMatching(@"^TransportGuard\.")
            .And().DoNotResideInNamespaceMatching(FolderDependencies.Pattern("Shadow"))
            .ShouldNot().HaveDependencyOnAny(FolderDependencies.Namespace("Shadow")).GetResult();
        Assert.True(result.IsSuccessful, "outside Shadow/: " + string.Join(", ", result.FailingTypes.Select(t => t.FullName)));
    }

    [Fact]
    public void No_type_is_visible_outside_the_assembly()
    {
        // Nothing outside this assembly links against it: the tests and benchmarks see it through InternalsVisibleTo.
        // Program is the compiler's class for the top-level statements, public by its rules; nothing else may be.
        var visible = typeof(GatewayHost).Assembly.GetExportedTypes().Select(t => t.FullName).Where(n => n != "Program").ToList();
        Assert.True(visible.Count == 0, "visible outside: " + string.Join(", ", visible));
    }

    [Fact]
    public void Every_feature_folder_is_known_to_the_rule()
    {
        // A new folder must be placed in the order, or it would escape the direction check.
        var folders = typeof(GatewayHost).Assembly.GetTypes().Select(t => t.Namespace).OfType<string>()
            .Where(n => n.StartsWith("TransportGuard.", StringComparison.Ordinal))
            .Select(n => n.Split('.')[1]).Distinct();
        Assert.Empty(folders.Except(FolderDependencies.Order));
    }
}
