namespace TransportGuard.Tests.Support;

/// <summary>Files of the checkout the tests were built from, found by walking up to TransportGuard.sln.</summary>
internal static class RepositoryFiles
{
    public static string Root { get; } = FindRoot();

    /// <param name="relative">A path from the repository root, with forward slashes.</param>
    public static string PathOf(string relative) => Path.GetFullPath(Path.Combine(Root, relative));

    /// <summary>The repository-relative path of a file or folder, with forward slashes.</summary>
    public static string Relative(string fullPath) => Path.GetRelativePath(Root, fullPath).Replace('\\', '/');

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "TransportGuard.sln")))
                return directory.FullName;
        }
        throw new InvalidOperationException($"no TransportGuard.sln above {AppContext.BaseDirectory}");
    }
}
