using Microsoft.Extensions.Options;

namespace TransportGuard.Configuration;

/// <summary>An options class that checks itself and names the configuration key of every bad value.</summary>
internal interface IValidatable
{
    /// <summary>One message per bad value, each starting with its full configuration key.</summary>
    IEnumerable<string> Validate();
}

/// <summary>Runs <see cref="IValidatable.Validate"/> at start (ValidateOnStart) so a bad option stops the process.</summary>
internal sealed class SelfValidation<T> : IValidateOptions<T> where T : class, IValidatable
{
    public ValidateOptionsResult Validate(string? name, T options)
    {
        var failures = options.Validate().ToList();
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
