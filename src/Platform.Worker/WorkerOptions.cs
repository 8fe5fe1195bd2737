namespace Platform.Worker;

/// <summary>
/// Worker settings, bound from the <c>Platform</c> configuration section (environment variables
/// <c>Platform__Key</c>, command line <c>--Platform:Key=value</c>). Checked when the host starts:
/// a missing or invalid value stops the process with a message naming the key.
/// </summary>
public sealed class WorkerOptions
{
    public const string SectionName = "Platform";

    /// <summary>The worker's gRPC listener (HTTP/2 cleartext). Default <c>http://127.0.0.1:8090</c>. Port 0 picks a free port.</summary>
    public string WorkerUrl { get; set; } = "http://127.0.0.1:8090";

    /// <summary>
    /// The URL the control plane dials for this worker. Default: the bound <see cref="WorkerUrl"/>
    /// (with the real port when port 0 was asked; with the machine name when it listens on every
    /// address, so set it explicitly behind NAT or in containers).
    /// </summary>
    public string? WorkerAdvertiseUrl { get; set; }

    /// <summary>The control plane's cluster listener (its <c>Platform:ClusterUrl</c>), where the worker registers and fetches modules. Default <c>http://127.0.0.1:8082</c>.</summary>
    public string ControlPlaneUrl { get; set; } = "http://127.0.0.1:8082";

    /// <summary>The secret every internal gRPC call carries (<c>x-platform-cluster-token</c>), both ways. Required: at least 32 characters, never a published placeholder.</summary>
    public string? ClusterToken { get; set; }

    /// <summary>
    /// The worker's own folder: compiled artifacts under <c>artifacts/</c> and the persisted worker id.
    /// Default <c>cache/worker</c> under the working directory. Two workers never share one
    /// (the folder is locked while a worker runs).
    /// </summary>
    public string CacheDir { get; set; } = Path.Combine("cache", "worker");

    /// <summary>
    /// The worker's identity in the registry. Default: generated on first start and kept in
    /// <c>worker-id</c> inside <see cref="CacheDir"/>, so a restarted worker keeps it.
    /// Letters, digits, '.', '_' and '-', at most 64.
    /// </summary>
    public string? WorkerId { get; set; }

    /// <summary>Invocations executing at once. Default: the processor count.</summary>
    public int MaxConcurrentInvocations { get; set; } = Environment.ProcessorCount;

    /// <summary>
    /// How long an invocation that finds every slot taken may wait for one before it is refused
    /// with OVERLOADED (so a burst of short calls is absorbed, a saturated worker still refuses
    /// quickly). Default 250 ms: on a busy two-core machine a queue of 32 trivial calls waited past
    /// 20 ms and was shed; zero refuses at once.
    /// </summary>
    public TimeSpan QueueTimeout { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// Invocations that may wait for a slot at once; one more is refused at once. Default: 64 or
    /// 4 × <see cref="MaxConcurrentInvocations"/>, whichever is larger, so that a burst of 32 calls
    /// of a short function (a control plane's worth of concurrent callers) queues instead of being shed.
    /// </summary>
    public int? MaxQueuedInvocations { get; set; }

    /// <summary>The queue bound in effect: <see cref="MaxQueuedInvocations"/> or its default.</summary>
    internal int QueueBound => MaxQueuedInvocations ?? Math.Max(64, 4 * MaxConcurrentInvocations);

    /// <summary>Heartbeat period, used until the control plane's registration answer names its own. Default 5 s.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The largest module a push or fetch may carry. Default 64 MiB.</summary>
    public long MaxModuleBytes { get; set; } = 64L << 20;

    /// <summary>
    /// Bytes of parsed asset bundles kept in memory (file contents; least recently used go first).
    /// Bundles also stay on disk under <c>assets/</c> in <see cref="CacheDir"/>, so one dropped from
    /// memory is read back without a fetch. Default 256 MiB.
    /// </summary>
    public long AssetCacheBytes { get; set; } = 256L << 20;

    /// <summary>The largest gRPC message the worker accepts (an invocation's input rides in one). Default 65 MiB: the largest input a quota allows (64 MiB) plus the envelope.</summary>
    public int MaxReceiveMessageBytes { get; set; } = 65 << 20;

    /// <summary>Deadline of each call to the control plane (register, heartbeat); a fetch gets <see cref="FetchTimeout"/>. Default 10 s.</summary>
    public TimeSpan ControlPlaneCallTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long fetching one module from the control plane may take. Default 30 s.</summary>
    public TimeSpan FetchTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>First delay before retrying an unreachable control plane; doubles each attempt, with jitter. Default 500 ms.</summary>
    public TimeSpan RegistrationRetryDelay { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>The longest delay between registration attempts. Default 15 s.</summary>
    public TimeSpan RegistrationRetryMaxDelay { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Assigned modules fetched and compiled at once after registration. Default 2.</summary>
    public int PrefetchParallelism { get; set; } = 2;

    /// <summary>At start-up, load the artifacts on disk into memory (up to the memory cache's size) before registering. Default true.</summary>
    public bool PreloadArtifacts { get; set; } = true;

    /// <summary>
    /// Before registering, run one invocation of a built-in module through the worker's own gRPC
    /// listener, so that a fresh process's first-call costs (JIT, HTTP/2, the first sandbox) are
    /// not paid by a tenant's call. Bounded (10 s); a failed warm-up is logged and the worker
    /// registers anyway. Default true.
    /// </summary>
    public bool WarmUpBeforeRegister { get; set; } = true;

    /// <summary>Register with the control plane and heartbeat. Default true; false runs a worker that only serves (tests, manual setups).</summary>
    public bool Register { get; set; } = true;
}
