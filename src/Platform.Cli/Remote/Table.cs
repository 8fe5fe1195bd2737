namespace Platform.Cli.Remote;

/// <summary>Aligned columns separated by two spaces, like <c>kubectl get</c>; the header is optional (key/value blocks have none).</summary>
internal sealed class Table
{
    private readonly List<string[]> _rows = [];
    private readonly int _columns;

    public Table(params string[] headers)
    {
        ArgumentNullException.ThrowIfNull(headers);
        _columns = headers.Length;
        if (headers.Length > 0 && headers.Any(h => h.Length > 0)) _rows.Add(headers);
    }

    public int RowCount => _rows.Count;

    /// <summary>A table of two columns without a header.</summary>
    public static Table KeyValue() => new(string.Empty, string.Empty);

    public Table Add(params string[] cells)
    {
        ArgumentNullException.ThrowIfNull(cells);
        if (cells.Length != _columns) throw new ArgumentException($"expected {_columns} cells, got {cells.Length}", nameof(cells));
        _rows.Add(cells.Select(c => c.ReplaceLineEndings(" ")).ToArray());
        return this;
    }

    public void WriteTo(TextWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        var widths = new int[_columns];
        foreach (var row in _rows)
        {
            for (var i = 0; i < _columns; i++) widths[i] = Math.Max(widths[i], row[i].Length);
        }

        foreach (var row in _rows)
        {
            var line = string.Concat(row.Select((cell, i) => i == _columns - 1 ? cell : cell.PadRight(widths[i] + 2)));
            writer.WriteLine(line.TrimEnd());
        }
    }
}
