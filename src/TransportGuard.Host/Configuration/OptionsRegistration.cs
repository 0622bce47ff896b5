using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace TransportGuard.Configuration;

internal static class OptionsRegistration
{
    /// <summary>Binds an options class to its section and validates it when the host starts.</summary>
    public static IServiceCollection AddValidatedOptions<T>(this IServiceCollection services, IConfiguration configuration, string section)
        where T : class, IValidatable
    {
        services.AddSingleton<IValidateOptions<T>, SelfValidation<T>>();
        services.AddOptions<T>().Bind(configuration.GetSection(section)).ValidateOnStart();
        return services;
    }
}
