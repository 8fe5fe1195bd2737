using System.Text.RegularExpressions;
using Grpc.Core;
using Platform.ControlPlane.Errors;
using Platform.ControlPlane.Invocation;
using Platform.Runtime;

namespace Platform.ControlPlane.Tests;

/// <summary>
/// The status tables users read agree with the code that answers: the README's outcome table
/// with the statuses of invocation answers, docs/control-plane.md's error table with
/// <see cref="ErrorCodes"/>. Every code the code knows has its row, and every row is a known code.
/// </summary>
public sealed partial class DocumentedStatusTests
{
    [Fact]
    public void ReadmeOutcomeTable_StatusesAreTheOnesInvocationsAnswer()
    {
        var rows = StatusTable("README.md", "## Outcomes");
        var errors = Enum.GetValues<ErrorCode>().ToDictionary(c => c.WireName());

        foreach (var row in rows)
        {
            if (OutcomeCodes.TryParse(row.Code, out var outcome))
            {
                Assert.Equal(outcome.ToCode(), row.Code);
                Assert.True(OutcomeStatus.Http(outcome) == row.Http, $"README: {row.Code} is HTTP {row.Http}, invocations answer {OutcomeStatus.Http(outcome)}");
                Assert.True(Name(OutcomeStatus.Grpc(outcome)) == row.Grpc, $"README: {row.Code} is gRPC {row.Grpc}, invocations answer {Name(OutcomeStatus.Grpc(outcome))}");
            }
            else
            {
                Assert.True(errors.TryGetValue(row.Code, out var code), $"README's outcome table has {row.Code}, which is neither an outcome nor an error code");
                Assert.True((int)code.HttpStatus() == row.Http, $"README: {row.Code} is HTTP {row.Http}, the platform answers {(int)code.HttpStatus()}");
                Assert.True(Name(code.GrpcStatus()) == row.Grpc, $"README: {row.Code} is gRPC {row.Grpc}, the platform answers {Name(code.GrpcStatus())}");
            }
        }

        Assert.Equal(rows.Count, rows.Select(r => r.Code).Distinct().Count());
        foreach (var outcome in Enum.GetValues<Outcome>())
            Assert.Contains(outcome.ToCode(), rows.Select(r => r.Code));
    }

    [Fact]
    public void ControlPlaneErrorTable_MatchesErrorCodes()
    {
        var rows = StatusTable(Path.Combine("docs", "control-plane.md"), "## Errors");

        Assert.Equal(Enum.GetValues<ErrorCode>().Select(c => c.WireName()).Order(), rows.Select(r => r.Code).Order());
        foreach (var row in rows)
        {
            var code = Enum.GetValues<ErrorCode>().Single(c => c.WireName() == row.Code);
            Assert.True((int)code.HttpStatus() == row.Http, $"docs/control-plane.md: {row.Code} is HTTP {row.Http}, the platform answers {(int)code.HttpStatus()}");
            Assert.True(Name(code.GrpcStatus()) == row.Grpc, $"docs/control-plane.md: {row.Code} is gRPC {row.Grpc}, the platform answers {Name(code.GrpcStatus())}");
        }
    }

    private sealed record Row(string Code, int Http, string Grpc);

    /// <summary>The rows of the first table whose header starts with <c>| code | HTTP | gRPC |</c> under <paramref name="heading"/>.</summary>
    private static List<Row> StatusTable(string relativePath, string heading)
    {
        var lines = File.ReadAllLines(Path.Combine(RepositoryRoot(), relativePath));
        var start = Array.IndexOf(lines, heading);
        Assert.True(start >= 0, $"{relativePath} has no '{heading}' section");
        var header = Array.FindIndex(lines, start, l => l.StartsWith("| code | HTTP | gRPC |", StringComparison.Ordinal));
        Assert.True(header > start, $"{relativePath}: no status table under '{heading}'");

        var rows = new List<Row>();
        for (var i = header + 2; i < lines.Length && lines[i].StartsWith('|'); i++)
        {
            var cells = lines[i].Split('|').Select(c => c.Trim()).ToArray();
            var code = CodeCell().Match(cells[1]);
            var http = HttpCell().Match(cells[2]);
            var grpc = GrpcCell().Match(cells[3]);
            Assert.True(code.Success && http.Success && grpc.Success, $"{relativePath}: cannot read the row {lines[i]}");
            rows.Add(new Row(code.Groups[1].Value, int.Parse(http.Value, System.Globalization.CultureInfo.InvariantCulture), grpc.Groups[1].Value));
        }

        Assert.NotEmpty(rows);
        return rows;
    }

    /// <summary>RESOURCE_EXHAUSTED for <see cref="StatusCode.ResourceExhausted"/>, as the docs write gRPC codes.</summary>
    private static string Name(StatusCode status) => UpperSnake().Replace(status.ToString(), "$1_$2").ToUpperInvariant();

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Platform.sln"))) return directory.FullName;
        }

        throw new DirectoryNotFoundException($"no Platform.sln above {AppContext.BaseDirectory}");
    }

    [GeneratedRegex("^`([A-Z_]+)`$")]
    private static partial Regex CodeCell();

    [GeneratedRegex("^[0-9]{3}")]
    private static partial Regex HttpCell();

    [GeneratedRegex("^`?([A-Z_]+)`?")]
    private static partial Regex GrpcCell();

    [GeneratedRegex("([a-z])([A-Z])")]
    private static partial Regex UpperSnake();
}
