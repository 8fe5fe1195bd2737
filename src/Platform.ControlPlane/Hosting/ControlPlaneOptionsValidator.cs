using Microsoft.Extensions.Options;
using Platform.Hosting;
using Platform.Hosting.Listeners;

namespace Platform.ControlPlane.Hosting;

internal sealed class ControlPlaneOptionsValidator : IValidateOptions<ControlPlaneOptions>
{
    public ValidateOptionsResult Validate(string? name, ControlPlaneOptions options)
    {
        var failures = new List<string>();
        if (SecretRules.Check("Platform:AdminKey", options.AdminKey) is { } adminKey)
            failures.Add(adminKey);
        if (string.IsNullOrWhiteSpace(options.ConnectionString))
            failures.Add("ConnectionStrings:Platform is required (environment variable ConnectionStrings__Platform): the PostgreSQL connection string.");
        CheckUrl(failures, "Platform:RestUrl", options.RestUrl);
        CheckUrl(failures, "Platform:GrpcUrl", options.GrpcUrl);
        CheckUrl(failures, "Platform:ClusterUrl", options.ClusterUrl);
        if (options.MaxRequestBodyBytes < 1024)
            failures.Add("Platform:MaxRequestBodyBytes must be at least 1024.");
        if (options.EnvelopeOverheadBytes < 1024)
            failures.Add("Platform:EnvelopeOverheadBytes must be at least 1024.");
        if (options.MultipartOverheadBytes < 1024)
            failures.Add("Platform:MultipartOverheadBytes must be at least 1024.");
        failures.AddRange(options.DefaultQuotas.Validate("Platform:DefaultQuotas"));
        failures.AddRange(options.Http.Validate("Platform:Http"));
        var db = options.Database;
        if (db.MaxRetryAttempts is < 0 or > 20)
            failures.Add("Platform:Database:MaxRetryAttempts must be between 0 and 20.");
        if (db.RetryBaseDelay < TimeSpan.Zero || db.RetryBaseDelay > TimeSpan.FromSeconds(10))
            failures.Add("Platform:Database:RetryBaseDelay must be between 0 and 10 seconds.");
        if (db.CircuitBreakDuration != TimeSpan.Zero && (db.CircuitBreakDuration < TimeSpan.FromMilliseconds(500) || db.CircuitBreakDuration > TimeSpan.FromMinutes(5)))
            failures.Add("Platform:Database:CircuitBreakDuration must be 0 (off) or between 500 ms and 5 minutes.");
        if (db.StartupTimeout <= TimeSpan.Zero)
            failures.Add("Platform:Database:StartupTimeout must be positive.");
        if (db.ReadinessTimeout <= TimeSpan.Zero)
            failures.Add("Platform:Database:ReadinessTimeout must be positive.");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void CheckUrl(List<string> failures, string key, string? value)
    {
        if (!ListenAddress.TryParse(value, out _, out var error))
            failures.Add($"{key} is invalid: {error}");
    }
}
