using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using TransportGuard.Delivery;
using TransportGuard.Queue;
using TransportGuard.Smtp;
using TransportGuard.Spool;
using TransportGuard.Tests.Support;

namespace TransportGuard.Tests.Deploy;

/// <summary>The nodes' appsettings.json in configmap.yaml: the gateway takes it, and the dedup store it names exists.</summary>
public sealed class ConfigMapTests
{
    [Fact]
    public void The_gateway_accepts_the_settings()
    {
        var directory = TempDirectory.Create("configmap");
        try
        {
            var file = Path.Combine(directory, ConfigMapSettings.FileName);
            File.WriteAllText(file, ConfigMapSettings.Text());
            using var host = GatewayHost.Build(["--config", file, "--data", directory]);
            // Reading an options value runs its validation, as ValidateOnStart does when a node starts.
            _ = host.Services.GetRequiredService<IOptions<SmtpServerOptions>>().Value;
            _ = host.Services.GetRequiredService<IOptions<SmtpLimits>>().Value;
            _ = host.Services.GetRequiredService<IOptions<TlsOptions>>().Value;
            _ = host.Services.GetRequiredService<IOptions<SpoolOptions>>().Value;
            _ = host.Services.GetRequiredService<IOptions<QueueOptions>>().Value;
            _ = host.Services.GetRequiredService<IOptions<DeliveryOptions>>().Value;
            var relay = host.Services.GetRequiredService<IOptions<RelayOptions>>().Value;
            Assert.Equal(ConfigMapSettings.Load().Texts("Smtp", "Relay", "RelayNetworks"), relay.EffectiveRelayNetworks);
            var shutdown = ConfigMapSettings.Load().At("shutdownTimeoutSeconds").GetValue<int>();
            Assert.Equal(TimeSpan.FromSeconds(shutdown), host.Services.GetRequiredService<IOptions<HostOptions>>().Value.ShutdownTimeout);
        }
        finally
        {
            TempDirectory.Delete(directory);
        }
    }

    [Fact]
    public void The_dedup_store_is_the_garnet_service_at_the_port_garnet_listens_on()
    {
        var manifests = KubernetesManifests.All();
        var redis = ConfigMapSettings.Load().Text("Dedup", "Redis");
        var service = manifests.Named("Service", redis[..redis.LastIndexOf(':')]);
        var port = Assert.Single(service.Root.Items("spec", "ports"), p => p.Number("port") == GatewaySwitches.PortOf(redis));
        var garnet = Assert.Single(manifests.Named("Deployment", service.Name).PodSpec.Items("containers"));
        Assert.StartsWith("ghcr.io/microsoft/garnet", garnet.Text("image"), StringComparison.Ordinal);
        Assert.Equal(GatewaySwitches.ListenPort(garnet.Texts("args"), "--port"), KubernetesManifests.ResolvePort(garnet, port.Text("targetPort")));
    }
}
