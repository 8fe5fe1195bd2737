using System.Net;
using Grpc.Core;
using Npgsql;
using Platform.ControlPlane.Database;
using Platform.ControlPlane.Errors;
using Platform.ControlPlane.Functions;
using Platform.ControlPlane.Hosting;
using Platform.ControlPlane.Keys;
using Platform.ControlPlane.Quotas;
using Platform.ControlPlane.Validation;
using Platform.Hosting;
using Platform.Hosting.Listeners;

namespace Platform.ControlPlane.Tests;

/// <summary>Pure rules, no database or host.</summary>
public sealed class UnitTests
{
    [Theory]
    [InlineData("a", true)]
    [InlineData("0", true)]
    [InlineData("my-func-2", true)]
    [InlineData("a-", true)]
    [InlineData("", false)]
    [InlineData("-a", false)]
    [InlineData("A", false)]
    [InlineData("a_b", false)]
    [InlineData("a.b", false)]
    [InlineData("a/b", false)]
    [InlineData("a\n", false)]
    [InlineData("é", false)]
    [InlineData("ａ", false)] // full-width
    public void NameRules_IsValid_MatchesPattern(string name, bool valid) => Assert.Equal(valid, NameRules.IsValid(name));

    [Fact]
    public void NameRules_Length_63AllowedAnd64Refused()
    {
        Assert.True(NameRules.IsValid(new string('a', 63)));
        Assert.False(NameRules.IsValid(new string('a', 64)));
        var ex = Assert.Throws<PlatformException>(() => NameRules.Require(new string('a', 64), "name"));
        Assert.Equal(ErrorCode.InvalidArgument, ex.Code);
        Assert.Equal("name", ex.Field);
    }

    [Fact]
    public void ApiKeySecrets_Generate_Pk256BitBase64UrlUnique()
    {
        var keys = Enumerable.Range(0, 1000).Select(_ => ApiKeySecrets.Generate()).ToList();
        Assert.All(keys, k => Assert.Matches("^pk_[A-Za-z0-9_-]{43}$", k));
        Assert.Equal(1000, keys.Distinct().Count());
        Assert.Equal(32, ApiKeySecrets.Hash(keys[0]).Length);
        Assert.NotEqual(ApiKeySecrets.Hash(keys[0]), ApiKeySecrets.Hash(keys[1]));
    }

    [Theory]
    [InlineData(ErrorCode.InvalidArgument, "INVALID_ARGUMENT", HttpStatusCode.BadRequest, StatusCode.InvalidArgument)]
    [InlineData(ErrorCode.InvalidModule, "INVALID_MODULE", HttpStatusCode.BadRequest, StatusCode.InvalidArgument)]
    [InlineData(ErrorCode.NotFound, "NOT_FOUND", HttpStatusCode.NotFound, StatusCode.NotFound)]
    [InlineData(ErrorCode.Unauthenticated, "UNAUTHENTICATED", HttpStatusCode.Unauthorized, StatusCode.Unauthenticated)]
    [InlineData(ErrorCode.Forbidden, "FORBIDDEN", HttpStatusCode.Forbidden, StatusCode.PermissionDenied)]
    [InlineData(ErrorCode.QuotaExceeded, "QUOTA_EXCEEDED", HttpStatusCode.Forbidden, StatusCode.ResourceExhausted)]
    [InlineData(ErrorCode.PayloadTooLarge, "PAYLOAD_TOO_LARGE", HttpStatusCode.RequestEntityTooLarge, StatusCode.ResourceExhausted)]
    [InlineData(ErrorCode.RateLimited, "RATE_LIMITED", HttpStatusCode.TooManyRequests, StatusCode.ResourceExhausted)]
    [InlineData(ErrorCode.ConcurrencyLimited, "CONCURRENCY_LIMITED", HttpStatusCode.TooManyRequests, StatusCode.ResourceExhausted)]
    [InlineData(ErrorCode.Overloaded, "OVERLOADED", HttpStatusCode.ServiceUnavailable, StatusCode.Unavailable)]
    [InlineData(ErrorCode.Unavailable, "UNAVAILABLE", HttpStatusCode.ServiceUnavailable, StatusCode.Unavailable)]
    [InlineData(ErrorCode.Internal, "INTERNAL", HttpStatusCode.InternalServerError, StatusCode.Internal)]
    public void ErrorCodes_Table(ErrorCode code, string wire, HttpStatusCode http, StatusCode grpc)
    {
        Assert.Equal(wire, code.WireName());
        Assert.Equal(http, code.HttpStatus());
        Assert.Equal(grpc, code.GrpcStatus());
        Assert.Equal("urn:platform:error:" + wire.ToLowerInvariant().Replace('_', '-'), code.ProblemType());
    }

    [Fact]
    public void ErrorCodes_EveryCodeMapped() =>
        Assert.All(Enum.GetValues<ErrorCode>(), c => Assert.NotEmpty(c.WireName()));

    [Theory]
    [InlineData("08006", true)]   // connection failure
    [InlineData("08001", true)]
    [InlineData("40001", true)]   // serialization failure
    [InlineData("40P01", true)]   // deadlock
    [InlineData("53300", true)]   // too many connections
    [InlineData("57P01", true)]   // admin shutdown
    [InlineData("57P02", true)]
    [InlineData("57P03", true)]   // cannot connect now
    [InlineData("23505", false)]  // unique violation
    [InlineData("42P01", false)]  // undefined table
    [InlineData("57014", false)]  // query canceled
    [InlineData("22P02", false)]
    public void DbErrors_ClassifiesBySqlState(string sqlState, bool transient)
    {
        var ex = new PostgresException("message", "ERROR", "ERROR", sqlState);
        Assert.Equal(transient, DbErrors.IsTransient(ex));
    }

    [Fact]
    public void DbErrors_ConnectionFailure_Transient_OtherExceptions_Not()
    {
        Assert.True(DbErrors.IsTransient(new NpgsqlException("boom", new System.Net.Sockets.SocketException())));
        Assert.False(DbErrors.IsTransient(new InvalidOperationException()));
        Assert.False(DbErrors.IsTransient(new TimeoutException()));
    }

    [Theory]
    [InlineData("http://127.0.0.1:8080", true, false, 8080)]
    [InlineData("http://localhost:8081", true, false, 8081)]
    [InlineData("http://0.0.0.0:80", true, true, 80)]
    [InlineData("http://*:9000", true, true, 9000)]
    [InlineData("http://+:9000", true, true, 9000)]
    [InlineData("http://[::1]:9000", true, false, 9000)]
    [InlineData("http://127.0.0.1:0", true, false, 0)]
    [InlineData("https://127.0.0.1:8080", false, false, 0)]
    [InlineData("http://example.com:8080", false, false, 0)]
    [InlineData("http://127.0.0.1:8080/path", false, false, 0)]
    [InlineData("http://127.0.0.1", false, false, 0)]
    [InlineData("http://[::]:9000/", true, true, 9000)]
    [InlineData("http://127.0.0.1:99999", false, false, 0)]
    [InlineData("", false, false, 0)]
    [InlineData("not a url", false, false, 0)]
    public void ListenAddress_Parse(string url, bool ok, bool any, int port)
    {
        Assert.Equal(ok, ListenAddress.TryParse(url, out var address, out var error));
        if (ok)
        {
            Assert.Equal(any, address!.IsAny);
            Assert.Equal(port, address.Port);
        }
        else
        {
            Assert.False(string.IsNullOrEmpty(error));
        }
    }

    [Fact]
    public void QuotaSet_Over_NullFollowsDefault()
    {
        var defaults = new QuotaDefaults().ToEffective();
        var effective = new QuotaSet(MaxFuel: 5, MaxFunctions: 2).Over(defaults);
        Assert.Equal(5, effective.MaxFuel);
        Assert.Equal(2, effective.MaxFunctions);
        Assert.Equal(defaults with { MaxFuel = 5, MaxFunctions = 2 }, effective);
        Assert.Equal(defaults, QuotaSet.None.Over(defaults));
    }

    [Fact]
    public void QuotaDefaults_MatchDesign()
    {
        var d = new QuotaDefaults();
        Assert.Equal(new EffectiveQuotas(1_000_000_000, 64, 5000, 33_554_432, 100, 100, 200, 16, 1_048_576, 1_048_576, 100, 20, 268_435_456, 20, 100, 168, 10_000, 67_108_864, 67_108_864, 16_384, 16_777_216), d.ToEffective());
        Assert.Empty(d.Validate("Platform:DefaultQuotas"));
    }

    [Fact]
    public void FunctionConfigInput_Validate_ChecksEveryRule()
    {
        var quotas = new QuotaDefaults().ToEffective();
        var ok = new FunctionConfigInput { Env = new() { ["A"] = "1" }, Args = ["x"], Fuel = quotas.MaxFuel, MemoryMb = 1, TimeoutMs = 1 }.Validate(quotas);
        Assert.Equal("1", ok.Env["A"]);
        Assert.Equal(["x"], ok.Args);

        var tooMany = new FunctionConfigInput { Env = Enumerable.Range(0, 65).ToDictionary(i => $"V{i}", i => (string?)"x") };
        Assert.Equal("config.env", Assert.Throws<PlatformException>(() => tooMany.Validate(quotas)).Field);
        var longArg = new FunctionConfigInput { Args = [new string('x', 4097)] };
        Assert.Equal("config.args[0]", Assert.Throws<PlatformException>(() => longArg.Validate(quotas)).Field);
        var overTimeout = new FunctionConfigInput { TimeoutMs = quotas.MaxTimeoutMs + 1 };
        Assert.Equal("config.timeoutMs", Assert.Throws<PlatformException>(() => overTimeout.Validate(quotas)).Field);
    }

    [Theory]
    [InlineData("1", 1, null)]
    [InlineData("123456789", 123456789, null)]
    [InlineData("latest", null, "latest")]
    [InlineData("prod-2", null, "prod-2")]
    public void VersionReference_Parse(string text, int? version, string? alias)
    {
        var parsed = VersionReference.Parse(text, "version");
        Assert.Equal(version, parsed.Version);
        Assert.Equal(alias, parsed.Alias);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("1234567890")]
    [InlineData("-1")]
    [InlineData("")]
    [InlineData("v 1")]
    public void VersionReference_Invalid_Throws(string text) =>
        Assert.Equal("version", Assert.Throws<PlatformException>(() => VersionReference.Parse(text, "version")).Field);

    [Fact]
    public void Migrations_NumberedAndOrdered()
    {
        var migrations = MigrationRunner.Load();
        Assert.NotEmpty(migrations);
        Assert.Equal(1, migrations[0].Version);
        Assert.Equal(migrations.Select(m => m.Version).Order(), migrations.Select(m => m.Version));
        Assert.All(migrations, m => Assert.Matches("^[0-9a-f]{64}$", m.Checksum));
    }
}
