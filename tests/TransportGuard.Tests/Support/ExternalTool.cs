namespace TransportGuard.Tests.Support;

/// <summary>
/// Interop tests need software we did not write (swaks, Postfix, Prometheus, Redis, Garnet). Where it is missing the
/// test is skipped on a developer machine, and fails under CI=true, where .ci/run must have installed it.
/// </summary>
internal static class ExternalTool
{
    public static string Require(string name, params string[] extraDirectories)
    {
        var directories = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Concat(extraDirectories).Concat(["/usr/sbin", "/usr/bin"]);
        var found = directories.Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists);
        if (found is not null)
            return found;
        var message = $"{name} is not installed (.ci/install-tools.sh installs it; .ci/run does this)";
        if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
            Assert.Fail(message);
        Assert.Skip(message);
        return "";
    }
}
