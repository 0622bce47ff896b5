using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using TransportGuard.Configuration;
using TransportGuard.Smtp.Session;
using TransportGuard.Smtp.Transport;

namespace TransportGuard.Smtp;

internal static class SmtpServiceCollectionExtensions
{
    /// <summary>The SMTP receive side: listener, sessions, limits, relay policy and TLS. Needs an <see cref="IMessageSink"/>.</summary>
    public static IServiceCollection AddSmtpServer(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<SmtpServerOptions>(configuration, SmtpServerOptions.Section);
        services.AddValidatedOptions<SmtpLimits>(configuration, SmtpLimits.Section);
        services.AddValidatedOptions<RelayOptions>(configuration, RelayOptions.Section);
        services.AddValidatedOptions<TlsOptions>(configuration, TlsOptions.Section);
        services.AddSingleton<RelayPolicy>();
        services.AddSingleton<TlsCertificateProvider>();
        services.AddSingleton<ConnectionLimiter>();
        services.AddSingleton<DrainState>();
        services.AddSingleton<SmtpSessionServices>();
        services.AddSingleton<SmtpListener>();
        services.AddHostedService(sp => sp.GetRequiredService<SmtpListener>());
        return services;
    }
}
