using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Platform.Cli.Tests.Remote;

/// <summary>One request as the fake received it.</summary>
internal sealed record RecordedRequest(string Method, string Path, string? ContentType, string? Authorization, long? ContentLength, byte[] Body)
{
    public string BodyText => Encoding.UTF8.GetString(Body);
}

/// <summary>
/// A stand-in for the control plane's REST API: a real Kestrel host on 127.0.0.1 (free port)
/// that records every request and answers with the response shapes of
/// src/Platform.ControlPlane (FunctionRest, TenantRest, InvocationRest, WorkerRest, ProblemWriter).
/// Keys: <see cref="TenantKey"/> for tenant routes, <see cref="AdminKey"/> for admin routes;
/// anything else is 401, the other kind 403.
/// </summary>
internal sealed class FakePlatform : IAsyncDisposable
{
    public const string TenantKey = "pk_test_tenant_key";
    public const string AdminKey = "test-admin-key";
    public const string Created = "2025-01-02T03:04:05.123+00:00";
    public static readonly Guid TenantId = Guid.Parse("6f1c2b9e-0d7a-4c43-9a57-1b2f3e4d5c6a");
    public static readonly Guid KeyId = Guid.Parse("0b6d8d33-1c3e-4b2a-8f00-5e2c7a9d1f44");
    public const string IssuedKey = "pk_issued_secret_shown_once";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };

    private readonly WebApplication _app;
    private readonly ConcurrentQueue<RecordedRequest> _requests = new();

    private FakePlatform(WebApplication app, string url)
    {
        _app = app;
        Url = url;
    }

    public string Url { get; }

    public IReadOnlyList<RecordedRequest> Requests => _requests.ToArray();

    public static readonly object EffectiveQuotas = new
    {
        maxFuel = 1_000_000_000L, maxMemoryMb = 64, maxTimeoutMs = 5000, maxModuleBytes = 33554432L, maxFunctions = 100,
        invocationsPerSecond = 100, burst = 200, maxConcurrency = 16, maxInputBytes = 1048576L, maxOutputBytes = 1048576L,
        maxVersionsPerFunction = 100, maxAliasesPerFunction = 20, maxStoredBytes = 268435456L, managementCallsPerSecond = 20, managementBurst = 100,
    };

    public static async Task<FakePlatform> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        FakePlatform? fake = null;
        app.Use(async (http, next) =>
        {
            if (http.Request.Path == "/v1/functions/too-big")
            {
                // Like the control plane: a declared Content-Length over the quota is refused before the body is read.
                fake!._requests.Enqueue(new RecordedRequest(http.Request.Method, http.Request.Path.Value!, http.Request.ContentType, http.Request.Headers.Authorization.ToString(), http.Request.ContentLength, []));
                await ProblemAsync(http, 413, "PAYLOAD_TOO_LARGE", "the module is larger than the tenant's maxModuleBytes quota (1048576 bytes)", "module");
                return;
            }

            using var buffer = new MemoryStream();
            await http.Request.Body.CopyToAsync(buffer, http.RequestAborted);
            var body = buffer.ToArray();
            var auth = http.Request.Headers.Authorization.ToString();
            fake!._requests.Enqueue(new RecordedRequest(
                http.Request.Method,
                http.Request.Path.Value + http.Request.QueryString.Value,
                http.Request.ContentType,
                auth.Length == 0 ? null : auth,
                http.Request.ContentLength,
                body));
            http.Request.Body = new MemoryStream(body);

            var admin = http.Request.Path.StartsWithSegments("/v1/tenants") || http.Request.Path.StartsWithSegments("/v1/workers");
            if (auth != $"Bearer {TenantKey}" && auth != $"Bearer {AdminKey}")
            {
                http.Response.Headers.WWWAuthenticate = "Bearer";
                await ProblemAsync(http, 401, "UNAUTHENTICATED", "the key is not valid");
                return;
            }

            if (admin != (auth == $"Bearer {AdminKey}"))
            {
                await ProblemAsync(http, 403, "FORBIDDEN", admin ? "this route needs the admin key" : "the admin key owns no functions; use a tenant key");
                return;
            }

            await next(http);
        });
        MapFunctions(app);
        MapInvoke(app);
        MapTenants(app);
        MapUsage(app);
        app.MapGet("/v1/workers", () => Results.Json(new
        {
            workers = new object[]
            {
                new { id = "worker-a", url = "http://127.0.0.1:8090", live = true, capacity = 32, inFlight = 3, modules = 5, registeredAt = Created, lastHeartbeat = DateTimeOffset.UtcNow.AddSeconds(-2) },
                new { id = "worker-b", url = "http://127.0.0.1:8091", live = false, capacity = 32, inFlight = 0, modules = 4, registeredAt = Created, lastHeartbeat = DateTimeOffset.UtcNow.AddMinutes(-10) },
            },
        }, Json));
        app.MapFallback((HttpContext http) => ProblemAsync(http, 404, "NOT_FOUND", "no such route"));

        await app.StartAsync().WaitAsync(TimeSpan.FromSeconds(30));
        var url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        fake = new FakePlatform(app, url);
        return fake;
    }

    /// <summary>The environment of a platformctl run against this fake.</summary>
    public Dictionary<string, string?> Environment(string? key = TenantKey) => new()
    {
        ["PLATFORM_URL"] = Url,
        ["PLATFORM_API_KEY"] = key,
    };

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().WaitAsync(TimeSpan.FromSeconds(30));
        await _app.DisposeAsync();
    }

    public static Task ProblemAsync(HttpContext http, int status, string code, string detail, string? field = null)
    {
        http.Response.StatusCode = status;
        http.Response.ContentType = "application/problem+json";
        var problem = new
        {
            type = "urn:platform:error:" + code.ToLowerInvariant().Replace('_', '-'),
            title = code,
            status,
            detail,
            instance = http.Request.Path.Value,
            code,
            field,
            traceId = "00-trace",
        };
        return http.Response.WriteAsync(JsonSerializer.Serialize(problem, Json));
    }

    public static object Version(string name, int version, byte[] module, object? config = null) => new
    {
        name,
        version,
        sha256 = Convert.ToHexStringLower(SHA256.HashData(module)),
        sizeBytes = module.LongLength,
        config = config ?? new { env = new Dictionary<string, string>(), args = Array.Empty<string>() },
        createdAt = Created,
    };

    private static void MapFunctions(WebApplication app)
    {
        app.MapPut("/v1/functions/{name}", async (string name, HttpContext http) =>
        {
            if (name == "bad-config")
            {
                await ProblemAsync(http, 400, "INVALID_ARGUMENT", "config.fuel (99) exceeds the tenant's maxFuel quota (10)", "config.fuel");
                return;
            }

            using var buffer = new MemoryStream();
            await http.Request.Body.CopyToAsync(buffer);
            http.Response.StatusCode = 201;
            http.Response.Headers.Location = $"/v1/functions/{name}/versions/3/module";
            await http.Response.WriteAsJsonAsync(Version(name, 3, buffer.ToArray()), Json);
        });
        // Two pages, as the control plane pages its lists.
        app.MapGet("/v1/functions", (HttpContext http) => http.Request.Query["cursor"] == "page-2"
            ? Results.Json(new
            {
                functions = new object[] { new { name = "image-resizer", latestVersion = 12, createdAt = Created, updatedAt = Created } },
                nextCursor = (string?)null,
            }, Json)
            : Results.Json(new
            {
                functions = new object[] { new { name = "hello", latestVersion = 3, createdAt = Created, updatedAt = "2025-01-03T00:00:00+00:00" } },
                nextCursor = "page-2",
            }, Json));
        app.MapGet("/v1/functions/{name}", (string name, HttpContext http) =>
        {
            if (name == "web")
            {
                return http.Response.WriteAsJsonAsync(new
                {
                    name,
                    latestVersion = 1,
                    createdAt = Created,
                    updatedAt = Created,
                    versions = new[] { Version(name, 1, "one"u8.ToArray(), new { http = new { @public = true } }) },
                    aliases = new Dictionary<string, int> { ["latest"] = 1 },
                    http = new
                    {
                        @public = true,
                        pathUrl = "http://127.0.0.1:8080/fn/acme/web/",
                        hostUrl = "http://web.acme.localhost:8080/",
                        versionUrls = new[] { "http://127.0.0.1:8080/fn/acme/web@{ref}/", "http://web--{ref}.acme.localhost:8080/" },
                    },
                }, Json);
            }

            if (name != "hello") return ProblemAsync(http, 404, "NOT_FOUND", $"function '{name}' not found");
            return http.Response.WriteAsJsonAsync(new
            {
                name,
                latestVersion = 2,
                createdAt = Created,
                updatedAt = Created,
                versions = new[]
                {
                    Version(name, 1, "one"u8.ToArray()),
                    Version(name, 2, "two"u8.ToArray(), new { env = new Dictionary<string, string> { ["GREETING"] = "hi" }, args = new[] { "a" }, fuel = 1000 }),
                },
                aliases = new Dictionary<string, int> { ["latest"] = 2, ["prod"] = 1, ["canary"] = 2 },
            }, Json);
        });
        app.MapDelete("/v1/functions/{name}", (string name, HttpContext http) =>
        {
            if (name != "hello") return ProblemAsync(http, 404, "NOT_FOUND", $"function '{name}' not found");
            http.Response.StatusCode = 204;
            return Task.CompletedTask;
        });
        app.MapDelete("/v1/functions/{name}/versions/{version:int}", (string name, int version, HttpContext http) =>
        {
            if (name != "hello") return ProblemAsync(http, 404, "NOT_FOUND", $"function '{name}' not found");
            http.Response.StatusCode = 204;
            return Task.CompletedTask;
        });
        app.MapPut("/v1/functions/{name}/aliases/{alias}", async (string name, string alias, HttpContext http) =>
        {
            var request = await JsonSerializer.DeserializeAsync<JsonElement>(http.Request.Body);
            await http.Response.WriteAsJsonAsync(new { function = name, name = alias, version = request.GetProperty("version").GetInt32() }, Json);
        });
    }

    /// <summary>
    /// Invoke targets: <c>echo</c> answers its input; <c>slow</c> waits 20 s; a target named after
    /// a code in lower case with dashes (<c>out-of-fuel</c>, <c>not-found</c>) fails with that code
    /// the way the real API does; <c>bad-gateway</c> is a proxy's HTML 502; <c>crash</c> a bare 500.
    /// </summary>
    private static void MapInvoke(WebApplication app)
    {
        app.MapPost("/v1/functions/{target}/invoke", async (string target, HttpContext http) =>
        {
            var name = target.Split('@')[0];
            var version = target.Contains('@', StringComparison.Ordinal) && int.TryParse(target.Split('@')[1], out var pinned) ? pinned : 7;
            switch (name)
            {
                case "echo":
                    using (var buffer = new MemoryStream())
                    {
                        await http.Request.Body.CopyToAsync(buffer);
                        Headers(http, version);
                        http.Response.ContentType = "application/octet-stream";
                        await http.Response.Body.WriteAsync(buffer.ToArray());
                    }

                    return;
                case "slow":
                    await Task.Delay(TimeSpan.FromSeconds(20), http.RequestAborted);
                    return;
                case "bad-gateway":
                    http.Response.StatusCode = 502;
                    http.Response.ContentType = "text/html";
                    await http.Response.WriteAsync("<html><body>502 Bad Gateway</body></html>");
                    return;
                case "crash":
                    http.Response.StatusCode = 500;
                    return;
            }

            var code = name.ToUpperInvariant().Replace('-', '_');
            if (code is "OUT_OF_FUEL" or "TIMEOUT" or "MEMORY_LIMIT" or "TRAP" or "EXIT_NONZERO" or "OUTPUT_LIMIT" or "INVALID_MODULE")
            {
                Headers(http, version);
                http.Response.StatusCode = code switch { "OUT_OF_FUEL" or "MEMORY_LIMIT" or "OUTPUT_LIMIT" => 422, "TIMEOUT" => 504, _ => 500 };
                http.Response.ContentType = "application/problem+json";
                await http.Response.WriteAsync(JsonSerializer.Serialize(new
                {
                    type = $"urn:platform:error:{name}",
                    title = code,
                    status = http.Response.StatusCode,
                    detail = code == "OUT_OF_FUEL" ? "the function ran out of fuel (limit 1000)" : code == "EXIT_NONZERO" ? "the function exited with 7" : $"the function ended with {code}",
                    instance = http.Request.Path.Value,
                    code,
                    invocationId = "inv-123",
                    function = name,
                    version,
                    exitCode = code == "EXIT_NONZERO" ? 7 : (int?)null,
                    fuelConsumed = 1000L,
                    durationMs = 12.5,
                    worker = "worker-a",
                    logs = "starting\nspinning forever\n",
                    logsTruncated = false,
                }, Json));
                return;
            }

            var status = code switch
            {
                "NOT_FOUND" => 404, "UNAUTHENTICATED" => 401, "FORBIDDEN" or "QUOTA_EXCEEDED" => 403, "INVALID_ARGUMENT" => 400,
                "RATE_LIMITED" or "CONCURRENCY_LIMITED" => 429, "OVERLOADED" or "UNAVAILABLE" => 503, "PAYLOAD_TOO_LARGE" => 413, _ => 500,
            };
            await ProblemAsync(http, status, status == 500 ? "INTERNAL" : code, status == 404 && code == "NOT_FOUND" ? $"function '{name}' not found" : $"refused: {code}");
        });
    }

    private static void Headers(HttpContext http, int version)
    {
        http.Response.Headers["Platform-Invocation-Id"] = "inv-123";
        http.Response.Headers["Platform-Outcome"] = http.Response.StatusCode == 200 ? "OK" : "FAILED";
        http.Response.Headers["Platform-Fuel-Consumed"] = "4242";
        http.Response.Headers["Platform-Duration-Ms"] = "1.25";
        http.Response.Headers["Platform-Worker"] = "worker-a";
        http.Response.Headers["Platform-Version"] = version.ToString(System.Globalization.CultureInfo.InvariantCulture);
        http.Response.Headers.CacheControl = "no-store";
    }

    private static void MapTenants(WebApplication app)
    {
        static object Tenant(string name, JsonElement? overrides) => new
        {
            id = TenantId,
            name,
            createdAt = Created,
            quotas = EffectiveQuotas,
            quotaOverrides = overrides ?? JsonSerializer.SerializeToElement(new { }),
        };

        app.MapPost("/v1/tenants", async (HttpContext http) =>
        {
            var request = await JsonSerializer.DeserializeAsync<JsonElement>(http.Request.Body);
            var name = request.GetProperty("name").GetString()!;
            http.Response.StatusCode = 201;
            await http.Response.WriteAsJsonAsync(new
            {
                id = TenantId,
                name,
                createdAt = Created,
                quotas = EffectiveQuotas,
                quotaOverrides = request.TryGetProperty("quotas", out var q) ? q : JsonSerializer.SerializeToElement(new { }),
                apiKey = IssuedKey,
                apiKeyId = KeyId,
            }, Json);
        });
        app.MapGet("/v1/tenants", () => Results.Json(new
        {
            tenants = new[]
            {
                Tenant("acme", JsonSerializer.SerializeToElement(new { maxFuel = 5000 })),
                Tenant("demo", null),
            },
        }, Json));
        app.MapGet("/v1/tenants/{tenant}", (string tenant) => Results.Json(Tenant(tenant, null), Json));
        app.MapPut("/v1/tenants/{tenant}/quotas", async (string tenant, HttpContext http) =>
        {
            var overrides = await JsonSerializer.DeserializeAsync<JsonElement>(http.Request.Body);
            await http.Response.WriteAsJsonAsync(Tenant(tenant, overrides), Json);
        });
        app.MapDelete("/v1/tenants/{tenant}", () => Results.NoContent());
        app.MapPost("/v1/tenants/{tenant}/keys", (string tenant) =>
            Results.Json(new { id = KeyId, apiKey = IssuedKey, prefix = "pk_issued", createdAt = Created }, Json, statusCode: 201));
        app.MapGet("/v1/tenants/{tenant}/keys", () => Results.Json(new
        {
            keys = new object[]
            {
                new { id = KeyId, prefix = "pk_issued", createdAt = Created },
                new { id = TenantId, prefix = "pk_old", createdAt = Created, revokedAt = Created },
            },
        }, Json));
        app.MapDelete("/v1/tenants/{tenant}/keys/{id}", () => Results.NoContent());
    }

    /// <summary>The usage document of UsageRest; <c>from=bad</c> is refused like the control plane refuses it.</summary>
    private static void MapUsage(WebApplication app)
    {
        static Task UsageAsync(HttpContext http, string tenant)
        {
            var from = http.Request.Query["from"].ToString();
            if (from == "bad") return ProblemAsync(http, 400, "INVALID_ARGUMENT", "from must be one ISO-8601 time such as 2025-01-31T12:00:00Z", "from");
            return http.Response.WriteAsJsonAsync(new
            {
                tenant,
                from = from.Length > 0 ? from : "2025-01-01T00:00:00+00:00",
                to = http.Request.Query["to"].ToString() is { Length: > 0 } to ? to : "2025-01-02T00:00:00+00:00",
                totals = new { invocations = 12L, failures = 3L, fuelConsumed = 456789L, durationMs = 35.5, outcomes = new Dictionary<string, long> { ["OK"] = 9, ["OUT_OF_FUEL"] = 2, ["TRAP"] = 1 } },
                functions = new object[]
                {
                    new { name = "hello", invocations = 9L, failures = 0L, fuelConsumed = 6789L, durationMs = 4.25, outcomes = new Dictionary<string, long> { ["OK"] = 9 } },
                    new { name = "resize", invocations = 3L, failures = 3L, fuelConsumed = 450000L, durationMs = 31.25, outcomes = new Dictionary<string, long> { ["OUT_OF_FUEL"] = 2, ["TRAP"] = 1 } },
                },
            }, Json);
        }

        app.MapGet("/v1/usage", (HttpContext http) => UsageAsync(http, "acme"));
        app.MapGet("/v1/tenants/{tenant}/usage", (string tenant, HttpContext http) => UsageAsync(http, tenant));
    }
}
