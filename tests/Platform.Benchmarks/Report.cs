using System.Globalization;
using System.Text;

namespace Platform.Benchmarks;

/// <summary>Collects result tables, prints them, and writes them as Markdown.</summary>
internal sealed class Report
{
    private readonly StringBuilder _markdown = new();

    public void Heading(string text)
    {
        Console.WriteLine();
        Console.WriteLine(text);
        Console.WriteLine(new string('=', text.Length));
        _markdown.AppendLine().Append("## ").AppendLine(text).AppendLine();
    }

    public void Paragraph(string text)
    {
        Console.WriteLine(text);
        _markdown.AppendLine(text).AppendLine();
    }

    public void Table(IReadOnlyList<string> header, IEnumerable<IReadOnlyList<string>> rows)
    {
        var all = new List<IReadOnlyList<string>> { header };
        all.AddRange(rows);
        var widths = Enumerable.Range(0, header.Count).Select(c => all.Max(r => r[c].Length)).ToArray();
        foreach (var row in all)
        {
            Console.WriteLine(string.Join("  ", row.Select((cell, c) => cell.PadRight(widths[c]))));
        }

        _markdown.Append("| ").AppendJoin(" | ", header).AppendLine(" |");
        _markdown.Append('|').AppendJoin('|', header.Select(_ => " --- ")).AppendLine("|");
        foreach (var row in all.Skip(1)) _markdown.Append("| ").AppendJoin(" | ", row).AppendLine(" |");
        _markdown.AppendLine();
    }

    public void LatencyTable(IEnumerable<Series> series, Series? baseline = null) =>
        Table(
            ["variant", "median µs", "spread of round medians µs", "p99 µs", "samples", baseline is null ? "" : $"× {baseline.Name}"],
            series.Select(s => (IReadOnlyList<string>)
            [
                s.Name, F(s.MedianUs), $"{F(s.SpreadLowUs)}–{F(s.SpreadHighUs)}", F(s.P99Us), s.Samples.ToString(CultureInfo.InvariantCulture),
                baseline is null ? "" : (s.MedianUs / baseline.MedianUs).ToString("0.00", CultureInfo.InvariantCulture),
            ]));

    public string Markdown => _markdown.ToString();

    public void Write(string path, string preamble) => File.WriteAllText(path, preamble + _markdown);

    public static string F(double value) => value.ToString(value >= 100 ? "0" : "0.0", CultureInfo.InvariantCulture);
}
