using Platform.ControlPlane.Quotas;

namespace Platform.ControlPlane;

/// <summary>
/// Control-plane settings, bound from the <c>Platform</c> configuration section (environment
/// variables <c>Platform__Key</c>, command line <c>--Platform:Key=value</c>) plus the connection
/// string <c>ConnectionStrings:Platform</c>. Checked when the host starts: a missing or invalid
/// value stops the process with a message naming the key.
/// </summary>
public sealed class ControlPlaneOptions
{
    public const string SectionName = "Platform";

    /// <summary>The admin bearer key (<c>Platform:AdminKey</c>). Required: at least 32 characters, never a published placeholder.</summary>
    public string? AdminKey { get; set; }

    /// <summary>PostgreSQL connection string, taken from <c>ConnectionStrings:Platform</c>. Required.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>REST listener (HTTP/1.1). Default <c>http://127.0.0.1:8080</c>. Port 0 picks a free port.</summary>
    public string RestUrl { get; set; } = "http://127.0.0.1:8080";

    /// <summary>gRPC listener (HTTP/2 cleartext). Default <c>http://127.0.0.1:8081</c>. Port 0 picks a free port.</summary>
    public string GrpcUrl { get; set; } = "http://127.0.0.1:8081";

    /// <summary>
    /// Internal gRPC listener for the workers (<c>platform.v1.ClusterService</c>: register,
    /// heartbeat, fetch a module), HTTP/2 cleartext. Default <c>http://127.0.0.1:8082</c>: only
    /// workers may reach it (firewall it from tenants). Port 0 picks a free port.
    /// </summary>
    public string ClusterUrl { get; set; } = "http://127.0.0.1:8082";

    /// <summary>Serve gRPC server reflection on the public gRPC listener (<c>Platform:GrpcReflection</c>). Default false; <c>dev</c> turns it on.</summary>
    public bool GrpcReflection { get; set; }

    /// <summary>
    /// Largest request body of an authenticated management route (tenants, keys, quotas,
    /// aliases), bytes; also the limit of any body read before authentication. Default 1 MiB.
    /// Invocations get the tenant's <c>maxInputBytes</c> plus <see cref="EnvelopeOverheadBytes"/>,
    /// uploads the tenant's <c>maxModuleBytes</c> plus <see cref="MultipartOverheadBytes"/>.
    /// </summary>
    public long MaxRequestBodyBytes { get; set; } = 1L << 20;

    /// <summary>What an invocation request may carry beside its input (the gRPC envelope: name, reference, framing). Default 64 KiB.</summary>
    public long EnvelopeOverheadBytes { get; set; } = 64L << 10;

    /// <summary>What a multipart upload may carry beside the module (config part, boundaries, headers). Default 64 KiB.</summary>
    public long MultipartOverheadBytes { get; set; } = 64L << 10;

    /// <summary>Quotas of every tenant that does not override them (<c>Platform:DefaultQuotas:*</c>).</summary>
    public QuotaDefaults DefaultQuotas { get; set; } = new();

    /// <summary>Database behaviour (<c>Platform:Database:*</c>).</summary>
    public DatabaseOptions Database { get; set; } = new();

    /// <summary>Metric labels (<c>Platform:Telemetry:*</c>).</summary>
    public Telemetry.TelemetryOptions Telemetry { get; set; } = new();

    /// <summary>The HTTP trigger (<c>Platform:Http:*</c>).</summary>
    public HttpTrigger.HttpTriggerOptions Http { get; set; } = new();
}

public sealed class DatabaseOptions
{
    /// <summary>Retries of a transient PostgreSQL failure (connection loss, serialization failure, deadlock, shutdown). Default 3; 0 disables.</summary>
    public int MaxRetryAttempts { get; set; } = 3;

    /// <summary>First retry delay; doubles each attempt, with jitter. Default 100 ms.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// How long the database circuit stays open once at least half of at least 3 units of work in
    /// 10 s failed after their retries: meanwhile every database call fails at once (UNAVAILABLE,
    /// or the cached answer where there is one) instead of each paying the retries; then one call
    /// tries the database again. Default 2 s; zero disables the breaker.
    /// </summary>
    public TimeSpan CircuitBreakDuration { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Apply pending migrations at start-up. Default true.</summary>
    public bool ApplyMigrations { get; set; } = true;

    /// <summary>How long start-up keeps retrying an unreachable database before it gives up. Default 60 s.</summary>
    public TimeSpan StartupTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Timeout of the readiness probe's database ping. Default 2 s.</summary>
    public TimeSpan ReadinessTimeout { get; set; } = TimeSpan.FromSeconds(2);
}
