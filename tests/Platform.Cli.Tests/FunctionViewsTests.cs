using System.Text.Json;
using Platform.Cli.Functions;

namespace Platform.Cli.Tests;

public sealed class FunctionViewsTests
{
    [Fact]
    public void WriteVersion_Preinitialised_ShowsTheSnapshotAndItsFuel()
    {
        using var version = JsonDocument.Parse("""
            { "name": "lookup", "version": 1, "sha256": "aa", "sizeBytes": 10, "createdAt": "2026-12-02T05:00:00+00:00",
              "preinit": { "ran": true, "sha256": "9f3c1a2b4c5d6e7f", "sizeBytes": 373012, "fuelConsumed": 116654088 } }
            """);
        using var writer = new StringWriter();

        FunctionViews.WriteVersion(version.RootElement, writer);

        Assert.Contains("snapshot 9f3c1a2b4c5d, ", writer.ToString(), StringComparison.Ordinal);
        Assert.Contains("initialiser used 116654088 fuel", writer.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Preinit_NotRun_ShowsTheReason()
    {
        using var preinit = JsonDocument.Parse("""{ "ran": false, "reason": "disabled" }""");

        Assert.Equal("not run: disabled", FunctionViews.Preinit(preinit.RootElement));
    }

    [Fact]
    public void ConfigJson_NoPreinit_SendsPreinitFalse()
    {
        var settings = new DeploySettings("lookup", new FileInfo("lookup.wasm"), [], [], null, null, null, NoPreinit: true);

        Assert.True(settings.HasConfig);
        Assert.Equal("""{"preinit":false}""", System.Text.Encoding.UTF8.GetString(settings.ConfigJson()));
    }
}
