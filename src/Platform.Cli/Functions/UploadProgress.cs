using System.Globalization;
using Platform.Cli.Remote;

namespace Platform.Cli.Functions;

/// <summary>
/// Upload progress on stderr for uploads over <see cref="ThresholdBytes"/>. On a terminal one
/// line is redrawn (at most ten times a second); otherwise (a log, a CI job) a line is written at
/// every quarter, so a redirected stderr stays readable. Once every byte is sent, one line names
/// the phase the answer waits for: the platform compiles the module once and pushes it to its
/// workers before it answers. Never used with --json.
/// </summary>
internal sealed class UploadProgress(TextWriter stderr, string label, long total, bool terminal, TimeProvider time)
{
    public const long ThresholdBytes = 1L << 20;

    public const string WaitingLine = "compiling once and pushing to the workers: the deploy answers when the function is ready";

    private static readonly TimeSpan RedrawInterval = TimeSpan.FromMilliseconds(100);

    private readonly Lock _gate = new();
    private long _lastRedraw = long.MinValue;
    private int _lastQuarter;
    private bool _done;

    public static UploadProgress? For(TextWriter stderr, FileInfo file, bool json)
    {
        ArgumentNullException.ThrowIfNull(file);
        if (json || file.Length <= ThresholdBytes) return null;
        return new UploadProgress(stderr, $"uploading {file.Name}", file.Length, !Console.IsErrorRedirected, TimeProvider.System);
    }

    public void Report(long sent)
    {
        lock (_gate)
        {
            if (_done) return;
            if (terminal)
            {
                var now = time.GetTimestamp();
                if (sent < total && _lastRedraw != long.MinValue && time.GetElapsedTime(_lastRedraw, now) < RedrawInterval) return;
                _lastRedraw = now;
                stderr.Write($"\r{Line(sent)}");
                if (sent >= total) Finish();
                return;
            }

            var quarter = (int)(sent * 4 / total);
            if (quarter <= _lastQuarter) return;
            _lastQuarter = quarter;
            stderr.WriteLine(Line(sent));
            if (sent >= total)
            {
                stderr.WriteLine(WaitingLine);
                _done = true;
            }
        }
    }

    /// <summary>Ends a redrawn line (the answer has come, or the upload failed part-way).</summary>
    public void Complete()
    {
        lock (_gate)
        {
            if (!_done && terminal && _lastRedraw != long.MinValue) Finish();
            _done = true;
        }
    }

    private void Finish()
    {
        stderr.WriteLine();
        stderr.WriteLine(WaitingLine);
        _done = true;
    }

    private string Line(long sent)
    {
        var percent = (int)(sent * 100 / total);
        return string.Create(CultureInfo.InvariantCulture, $"{label}: {percent,3}% ({Units.Bytes(sent)} of {Units.Bytes(total)})");
    }
}
