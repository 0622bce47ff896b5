using System.Globalization;
using System.Xml.Linq;
using TransportGuard.Tests.Support;

namespace TransportGuard.Tests.Deploy;

/// <summary>The image: built with the SDK, run on the ASP.NET Core runtime as a non-root user, listening where it says.</summary>
public sealed class DockerfileTests
{
    private readonly IReadOnlyList<DockerInstruction> _dockerfile = DockerfileInstructions.Load();

    [Fact]
    public void It_builds_with_the_sdk_and_runs_on_the_aspnet_runtime_in_a_second_stage()
    {
        var images = _dockerfile.Named("FROM").Select(f => f.WithoutFlags().Split(' ')[0]).ToList();
        Assert.Equal(["mcr.microsoft.com/dotnet/sdk:10.0", "mcr.microsoft.com/dotnet/aspnet:10.0"], images);
        Assert.Contains(_dockerfile.Named("COPY"), c => c.Arguments.StartsWith("--from=build ", StringComparison.Ordinal));
        Assert.Contains(_dockerfile.Named("RUN"), r => r.Arguments.Contains("dotnet publish", StringComparison.Ordinal)
            && r.Arguments.Contains("-c Release", StringComparison.Ordinal));
    }

    [Fact]
    public void Restore_runs_on_the_project_and_build_files_alone_before_the_sources_are_copied()
    {
        var restore = _dockerfile.ToList().FindIndex(i => i.Keyword == "RUN" && i.Arguments.StartsWith("dotnet restore", StringComparison.Ordinal));
        var sources = _dockerfile.ToList().FindIndex(i => i.Keyword == "COPY" && i.Arguments.StartsWith("src/ ", StringComparison.Ordinal));
        Assert.True(restore >= 0 && sources > restore, "dotnet restore must come before COPY src/ for the restore layer to be cached");
        var copiedFirst = string.Join(' ', _dockerfile.Take(restore).Where(i => i.Keyword == "COPY").Select(i => i.Arguments));
        foreach (var file in new[] { "global.json", "Directory.Build.props", "Directory.Packages.props", ".editorconfig",
                     "src/TransportGuard.Host/TransportGuard.Host.csproj" })
            Assert.Contains(file, copiedFirst, StringComparison.Ordinal);
    }

    [Fact]
    public void It_runs_as_uid_10001_not_root()
    {
        var user = _dockerfile.Last("USER").Arguments.Split(':')[0];
        Assert.DoesNotContain(user, new[] { "root", "0" });
        Assert.Equal("10001", user);
    }

    [Fact]
    public void The_default_command_listens_on_the_exposed_ports_and_spools_on_the_volume()
    {
        var exposed = _dockerfile.Named("EXPOSE").SelectMany(e => e.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries)).Select(p => int.Parse(p, CultureInfo.InvariantCulture)).ToHashSet();
        Assert.Equal(new[] { 2525, 9525 }, exposed.Order());
        var cmd = _dockerfile.Last("CMD").ExecForm();
        Assert.Equal(exposed.Order(), new[] { GatewaySwitches.ListenPort(cmd, "--smtp"), GatewaySwitches.ListenPort(cmd, "--http") }.Order());
        Assert.Equal(GatewaySwitches.Single(cmd, "--data"), _dockerfile.Last("VOLUME").Arguments);
    }

    [Fact]
    public void The_healthcheck_asks_healthz_on_the_http_port_without_curl()
    {
        var healthcheck = _dockerfile.Last("HEALTHCHECK").WithoutFlags();
        Assert.StartsWith("CMD ", healthcheck, StringComparison.Ordinal);
        var probe = DockerInstruction.ParseExecForm(healthcheck["CMD ".Length..]);
        var http = GatewaySwitches.ListenPort(_dockerfile.Last("CMD").ExecForm(), "--http");
        Assert.Equal("bash", probe[0]);
        Assert.Contains($"/dev/tcp/127.0.0.1/{http}", probe[^1], StringComparison.Ordinal);
        Assert.Contains("GET /healthz ", probe[^1], StringComparison.Ordinal);
    }

    [Fact]
    public void The_entrypoint_runs_the_assembly_the_host_project_builds()
    {
        var project = XDocument.Load(RepositoryFiles.PathOf("src/TransportGuard.Host/TransportGuard.Host.csproj"));
        var assembly = project.Descendants("AssemblyName").Single().Value;
        Assert.Equal(["dotnet", $"{assembly}.dll"], _dockerfile.Last("ENTRYPOINT").ExecForm());
        Assert.Equal("/app", _dockerfile.Last("WORKDIR").Arguments);
    }
}
