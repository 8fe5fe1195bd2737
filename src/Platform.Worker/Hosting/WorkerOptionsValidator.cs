using Microsoft.Extensions.Options;
using Platform.Hosting;
using Platform.Hosting.Listeners;
using Platform.Runtime;

namespace Platform.Worker.Hosting;

internal sealed class WorkerOptionsValidator(WasmEngine engine) : IValidateOptions<WorkerOptions>
{
    public const int MaxWorkerIdLength = 64;

    public ValidateOptionsResult Validate(string? name, WorkerOptions options)
    {
        var failures = new List<string>();
        if (SecretRules.Check("Platform:ClusterToken", options.ClusterToken) is { } token)
            failures.Add(token);
        if (!ListenAddress.TryParse(options.WorkerUrl, out _, out var error))
            failures.Add($"Platform:WorkerUrl is invalid: {error}");
        if (options.WorkerAdvertiseUrl is not null && !ListenAddress.TryParseDialUrl(options.WorkerAdvertiseUrl, out error))
            failures.Add($"Platform:WorkerAdvertiseUrl is invalid: {error}");
        if (!ListenAddress.TryParseDialUrl(options.ControlPlaneUrl, out error))
            failures.Add($"Platform:ControlPlaneUrl is invalid: {error}");
        if (string.IsNullOrWhiteSpace(options.CacheDir))
            failures.Add("Platform:CacheDir must not be empty.");
        if (options.WorkerId is not null && !IsValidWorkerId(options.WorkerId))
            failures.Add($"Platform:WorkerId must be 1 to {MaxWorkerIdLength} letters, digits, '.', '_' or '-'.");
        if (options.MaxConcurrentInvocations < 1)
            failures.Add("Platform:MaxConcurrentInvocations must be at least 1.");
        if (engine.Options.UsePoolingAllocator && options.MaxConcurrentInvocations > engine.Options.PoolingMaxInstances)
            failures.Add($"Platform:MaxConcurrentInvocations ({options.MaxConcurrentInvocations}) must not exceed the sandbox pool, Platform:Runtime:PoolingMaxInstances ({engine.Options.PoolingMaxInstances}).");
        if (options.QueueTimeout < TimeSpan.Zero || options.QueueTimeout > TimeSpan.FromSeconds(10))
            failures.Add("Platform:QueueTimeout must be between 0 and 10 seconds.");
        if (options.MaxQueuedInvocations is < 0)
            failures.Add("Platform:MaxQueuedInvocations must not be negative.");
        if (options.HeartbeatInterval < TimeSpan.FromMilliseconds(10) || options.HeartbeatInterval > TimeSpan.FromMinutes(10))
            failures.Add("Platform:HeartbeatInterval must be between 10 ms and 10 minutes.");
        if (options.MaxModuleBytes is < 1024 or > 1L << 30)
            failures.Add("Platform:MaxModuleBytes must be between 1024 and 1073741824 (1 GiB).");
        if (options.MaxReceiveMessageBytes < 64 * 1024)
            failures.Add("Platform:MaxReceiveMessageBytes must be at least 65536.");
        if (options.ControlPlaneCallTimeout <= TimeSpan.Zero)
            failures.Add("Platform:ControlPlaneCallTimeout must be positive.");
        if (options.AssetCacheBytes < 1L << 20)
            failures.Add("Platform:AssetCacheBytes must be at least 1048576 (1 MiB).");
        if (options.FetchTimeout <= TimeSpan.Zero)
            failures.Add("Platform:FetchTimeout must be positive.");
        if (options.RegistrationRetryDelay <= TimeSpan.Zero)
            failures.Add("Platform:RegistrationRetryDelay must be positive.");
        if (options.RegistrationRetryMaxDelay < options.RegistrationRetryDelay)
            failures.Add("Platform:RegistrationRetryMaxDelay must be at least Platform:RegistrationRetryDelay.");
        if (options.PrefetchParallelism < 1)
            failures.Add("Platform:PrefetchParallelism must be at least 1.");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    public static bool IsValidWorkerId(string value) =>
        value.Length is > 0 and <= MaxWorkerIdLength
        && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-');
}
