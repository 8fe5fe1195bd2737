using System.Text.RegularExpressions;

namespace Platform.Operations.Tests;

/// <summary>
/// The README and docs/ point at things that exist: every relative link at a file of the
/// repository, every source file docs/architecture.md names for a hop of the invoke path.
/// </summary>
public sealed partial class DocumentationTests
{
    public static TheoryData<string> Pages()
    {
        var pages = new TheoryData<string> { "README.md" };
        foreach (var page in Directory.GetFiles(Repository.PathOf("docs"), "*.md", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            pages.Add(Path.GetRelativePath(Repository.Root, page));
        return pages;
    }

    [Theory]
    [MemberData(nameof(Pages))]
    public void Page_RelativeLinks_PointAtFilesThatExist(string page)
    {
        var path = Repository.PathOf(page);
        var text = FencedBlock().Replace(File.ReadAllText(path), "");
        var missing = Link().Matches(text)
            .Select(m => m.Groups[1].Value)
            .Where(link => !link.Contains("://", StringComparison.Ordinal) && !link.StartsWith('#') && !link.StartsWith("mailto:", StringComparison.Ordinal))
            .Select(link => link.Split('#')[0])
            .Where(target => !File.Exists(Path.Combine(Path.GetDirectoryName(path)!, target)) && !Directory.Exists(Path.Combine(Path.GetDirectoryName(path)!, target)))
            .ToList();

        Assert.True(missing.Count == 0, $"{page} links to files that do not exist: {string.Join(", ", missing)}");
    }

    [Fact]
    public void Architecture_EverySourceFileItNames_Exists()
    {
        var text = File.ReadAllText(Repository.PathOf("docs", "architecture.md"));
        var named = SourceFile().Matches(text).Select(m => m.Groups[1].Value).Distinct().ToList();

        Assert.True(named.Count >= 40, $"docs/architecture.md names {named.Count} source files; the invoke path alone has more");
        var missing = named.Where(file => !File.Exists(Repository.PathOf("src", file)) && !File.Exists(Repository.PathOf(file))).ToList();
        Assert.True(missing.Count == 0, $"docs/architecture.md names files that do not exist (under src/ or the root): {string.Join(", ", missing)}");
    }

    [GeneratedRegex(@"(?ms)^```.*?^```")]
    private static partial Regex FencedBlock();

    [GeneratedRegex(@"\]\(([^)\s]+)\)")]
    private static partial Regex Link();

    [GeneratedRegex(@"`([A-Za-z0-9_./-]+\.(?:cs|proto))`")]
    private static partial Regex SourceFile();
}
