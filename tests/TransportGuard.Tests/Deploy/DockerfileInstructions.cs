using System.Text;
using System.Text.Json;
using TransportGuard.Tests.Support;

namespace TransportGuard.Tests.Deploy;

/// <summary>One instruction of a Dockerfile, continuation lines joined.</summary>
internal sealed record DockerInstruction(string Keyword, string Arguments)
{
    /// <summary>The JSON array of the exec form: ENTRYPOINT ["dotnet", "x.dll"].</summary>
    public IReadOnlyList<string> ExecForm() => ParseExecForm(Arguments);

    /// <summary>Arguments without leading --flag=value options: FROM --platform=x image, HEALTHCHECK --interval=10s CMD.</summary>
    public string WithoutFlags()
    {
        var rest = Arguments;
        while (rest.StartsWith("--", StringComparison.Ordinal))
            rest = rest.IndexOf(' ', StringComparison.Ordinal) is var space and > 0 ? rest[(space + 1)..].TrimStart() : "";
        return rest;
    }

    public static IReadOnlyList<string> ParseExecForm(string json)
    {
        Assert.StartsWith("[", json, StringComparison.Ordinal);
        return JsonSerializer.Deserialize<string[]>(json) ?? throw new InvalidDataException($"not an exec form: {json}");
    }
}

/// <summary>
/// Splits a Dockerfile into instructions the way the builder does: a trailing backslash continues the line and
/// comment lines are dropped, also inside a continuation.
/// </summary>
internal static class DockerfileInstructions
{
    public static IReadOnlyList<DockerInstruction> Load(string relativePath = "Dockerfile")
    {
        var instructions = new List<DockerInstruction>();
        var pending = new StringBuilder();
        foreach (var raw in File.ReadLines(RepositoryFiles.PathOf(relativePath)))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
                continue;
            if (line.EndsWith('\\'))
            {
                pending.Append(line.AsSpan(0, line.Length - 1)).Append(' ');
                continue;
            }
            pending.Append(line);
            var text = pending.ToString().Trim();
            pending.Clear();
            var space = text.IndexOf(' ', StringComparison.Ordinal);
            instructions.Add(space < 0
                ? new DockerInstruction(text.ToUpperInvariant(), "")
                : new DockerInstruction(text[..space].ToUpperInvariant(), text[(space + 1)..].Trim()));
        }
        return instructions;
    }

    public static IReadOnlyList<DockerInstruction> Named(this IReadOnlyList<DockerInstruction> instructions, string keyword) =>
        [.. instructions.Where(i => i.Keyword == keyword)];

    /// <summary>The instruction of the final stage that wins (the last one), e.g. CMD or USER.</summary>
    public static DockerInstruction Last(this IReadOnlyList<DockerInstruction> instructions, string keyword) =>
        instructions.LastOrDefault(i => i.Keyword == keyword) ?? throw new Xunit.Sdk.XunitException($"the Dockerfile has no {keyword}");
}
