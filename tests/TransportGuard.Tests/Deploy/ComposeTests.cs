using System.Globalization;
using System.Net;
using TransportGuard.Tests.Support;

namespace TransportGuard.Tests.Deploy;

/// <summary>The compose cluster: two nodes that name each other, each with its own spool, on loopback-only ports.</summary>
public sealed class ComposeTests
{
    private readonly ComposeFile _compose = ComposeFile.Load();

    [Fact]
    public void There_are_two_nodes_and_every_service_has_an_image_or_a_build()
    {
        Assert.Equal(new[] { "tg1", "tg2" }, _compose.Nodes.Keys.Order());
        foreach (var (name, service) in _compose.Services)
            Assert.True(service.Find("image") is not null || service.Find("build") is not null, $"{name} has neither image nor build");
    }

    [Fact]
    public void The_nodes_are_built_from_the_repository_dockerfile()
    {
        foreach (var (name, node) in _compose.Nodes)
        {
            var context = ComposeFile.FromComposeFolder(node.Text("build", "context"));
            Assert.True(context == ".", $"{name} builds from {context}, not the repository root");
            Assert.True(File.Exists(Path.Combine(RepositoryFiles.PathOf(context), node.Text("build", "dockerfile"))));
        }
    }

    [Fact]
    public void Each_node_publishes_exactly_the_ports_its_listeners_use()
    {
        foreach (var (name, node) in _compose.Nodes)
        {
            var command = ComposeFile.Command(node);
            var listening = new[] { GatewaySwitches.ListenPort(command, "--smtp"), GatewaySwitches.ListenPort(command, "--http") };
            Assert.True(listening.Order().SequenceEqual(ComposeFile.ContainerPorts(node).Order()), $"{name} publishes other ports than it listens on");
        }
    }

    [Fact]
    public void Every_published_port_is_on_loopback_only()
    {
        foreach (var (name, service) in _compose.Services.Where(s => s.Value.Find("ports") is not null))
        {
            foreach (var port in service.Texts("ports"))
                Assert.True(port.StartsWith("127.0.0.1:", StringComparison.Ordinal), $"{name} publishes {port} beyond loopback");
        }
        var hostPorts = _compose.Services.Values.Where(s => s.Find("ports") is not null).SelectMany(s => s.Texts("ports")).Select(p => p.Split(':')[1]).ToList();
        Assert.Equal(hostPorts.Count, hostPorts.Distinct().Count());
    }

    [Fact]
    public void Each_node_spools_on_a_named_volume_of_its_own()
    {
        var declared = _compose.Root.At("volumes").AsObject().Select(v => v.Key).ToHashSet();
        var sources = new List<string>();
        foreach (var (name, node) in _compose.Nodes)
        {
            var data = GatewaySwitches.Single(ComposeFile.Command(node), "--data");
            var (source, _) = Assert.Single(ComposeFile.Volumes(node), v => v.Target == data);
            Assert.True(declared.Contains(source), $"{name} keeps {data} on {source}, which is not a named volume");
            sources.Add(source);
        }
        Assert.Equal(sources.Count, sources.Distinct().Count());
    }

    [Fact]
    public void Each_node_names_every_other_node_as_a_peer_at_its_smtp_port()
    {
        foreach (var (name, node) in _compose.Nodes)
        {
            Assert.Equal(name, GatewaySwitches.Single(ComposeFile.Command(node), "--node-id"));
            var expected = _compose.Nodes.Where(other => other.Key != name)
                .Select(other => new PeerSwitch(other.Key, other.Key, GatewaySwitches.ListenPort(ComposeFile.Command(other.Value), "--smtp")));
            Assert.Equal(expected.OrderBy(p => p.Id), GatewaySwitches.Peers(ComposeFile.Command(node)).OrderBy(p => p.Id));
        }
    }

    [Fact]
    public void Relay_networks_include_the_compose_network()
    {
        var subnet = IPNetwork.Parse(Assert.Single(_compose.Root.Items("networks", "mesh", "ipam", "config")).Text("subnet"));
        foreach (var (name, node) in _compose.Nodes)
        {
            Assert.Equal(new[] { "mesh" }, node.Texts("networks"));
            var relay = ComposeFile.Environment(node).Where(e => e.Key.StartsWith("TG_Smtp__Relay__RelayNetworks__", StringComparison.Ordinal))
                .Select(e => IPNetwork.Parse(e.Value));
            Assert.True(relay.Any(r => r.PrefixLength <= subnet.PrefixLength && r.Contains(subnet.BaseAddress)), $"{name} does not let {subnet} relay");
        }
    }

    [Fact]
    public void The_nodes_share_the_dedup_store_service()
    {
        foreach (var (name, node) in _compose.Nodes)
        {
            var redis = ComposeFile.Environment(node)["TG_Dedup__Redis"];
            var host = redis[..redis.LastIndexOf(':')];
            Assert.True(_compose.Services.TryGetValue(host, out var dedup), $"{name} uses {redis}, which is no service");
            Assert.Equal(GatewaySwitches.PortOf(redis), GatewaySwitches.ListenPort(ComposeFile.Command(dedup), "--port"));
            Assert.Contains(host, node.Texts("depends_on"));
        }
    }

    [Fact]
    public void A_stopping_node_drains_before_docker_kills_it()
    {
        foreach (var (name, node) in _compose.Nodes)
        {
            var environment = ComposeFile.Environment(node);
            var sessions = TimeSpan.Parse(environment["TG_Smtp__ShutdownGrace"], CultureInfo.InvariantCulture);
            var host = TimeSpan.FromSeconds(int.Parse(environment["TG_shutdownTimeoutSeconds"], CultureInfo.InvariantCulture));
            var stop = node.Text("stop_grace_period");
            Assert.EndsWith("s", stop, StringComparison.Ordinal);
            var docker = TimeSpan.FromSeconds(int.Parse(stop[..^1], CultureInfo.InvariantCulture));
            Assert.True(sessions < host && host < docker, $"{name}: sessions {sessions}, host {host}, docker {docker}");
        }
    }
}
