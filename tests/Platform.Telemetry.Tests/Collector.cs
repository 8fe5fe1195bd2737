using System.Collections;
using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Platform.Telemetry.Tests;

/// <summary>
/// In-memory exporters attached to one host's OpenTelemetry providers (the ones the composition
/// root builds): finished spans, log records, and metric snapshots on demand.
/// </summary>
public sealed class Collector
{
    private readonly LockedList<Activity> _spans = new();
    private readonly LockedList<LogRecordCopy> _logs = new();
    private readonly LockedList<MetricSnapshot> _metrics = new();
    private readonly Lock _collectGate = new();
    private readonly BaseExportingMetricReader _reader;

    public Collector()
    {
        _reader = new BaseExportingMetricReader(new SnapshotExporter(_metrics)) { TemporalityPreference = MetricReaderTemporalityPreference.Cumulative };
    }

    /// <summary>Adds the exporters to the host being built (before <c>PlatformServer</c> wires OpenTelemetry).</summary>
    public void Attach(WebApplicationBuilder builder)
    {
        builder.Services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddInMemoryExporter(_spans));
        builder.Services.ConfigureOpenTelemetryMeterProvider(metrics => metrics.AddReader(_reader));
        builder.Services.ConfigureOpenTelemetryLoggerProvider(logging => logging.AddProcessor(new SimpleLogRecordExportProcessor(new LogCopyExporter(_logs))));
    }

    public IReadOnlyList<Activity> Spans => _spans.Snapshot();

    public IReadOnlyList<LogRecordCopy> Logs => _logs.Snapshot();

    /// <summary>Collects every metric now (cumulative since the host started).</summary>
    public Metrics CollectMetrics()
    {
        lock (_collectGate)
        {
            _metrics.Clear();
            Assert.True(_reader.Collect(10_000), "the metric reader did not collect within 10 s");
            return new Metrics(_metrics.Snapshot());
        }
    }

    /// <summary>A log record's facts, copied while it is exported (the SDK reuses the record).</summary>
    public sealed record LogRecordCopy(string? Category, string? Message, ActivityTraceId TraceId, ActivitySpanId SpanId, IReadOnlyDictionary<string, object?> Scopes);

    private sealed class SnapshotExporter(LockedList<MetricSnapshot> snapshots) : BaseExporter<Metric>
    {
        public override ExportResult Export(in Batch<Metric> batch)
        {
            foreach (var metric in batch)
                snapshots.Add(new MetricSnapshot(metric));
            return ExportResult.Success;
        }
    }

    private sealed class LogCopyExporter(LockedList<LogRecordCopy> logs) : BaseExporter<LogRecord>
    {
        public override ExportResult Export(in Batch<LogRecord> batch)
        {
            foreach (var record in batch)
            {
                var scopes = new Dictionary<string, object?>(StringComparer.Ordinal);
                record.ForEachScope(
                    (scope, state) =>
                    {
                        foreach (var (key, value) in scope)
                            state[key] = value;
                    },
                    scopes);
                logs.Add(new LogRecordCopy(record.CategoryName, record.FormattedMessage, record.TraceId, record.SpanId, scopes));
            }

            return ExportResult.Success;
        }
    }

    /// <summary>A list the exporters may add to from any thread.</summary>
    private sealed class LockedList<T> : ICollection<T>
    {
        private readonly List<T> _items = [];
        private readonly Lock _gate = new();

        public int Count
        {
            get
            {
                lock (_gate) return _items.Count;
            }
        }

        public bool IsReadOnly => false;

        public void Add(T item)
        {
            lock (_gate) _items.Add(item);
        }

        public void Clear()
        {
            lock (_gate) _items.Clear();
        }

        public bool Contains(T item)
        {
            lock (_gate) return _items.Contains(item);
        }

        public void CopyTo(T[] array, int arrayIndex)
        {
            lock (_gate) _items.CopyTo(array, arrayIndex);
        }

        public bool Remove(T item)
        {
            lock (_gate) return _items.Remove(item);
        }

        public List<T> Snapshot()
        {
            lock (_gate) return [.. _items];
        }

        public IEnumerator<T> GetEnumerator() => Snapshot().GetEnumerator();

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
    }
}

/// <summary>One collection of metric snapshots, with look-ups by instrument and labels.</summary>
public sealed class Metrics(IReadOnlyList<MetricSnapshot> snapshots)
{
    public IReadOnlyList<MetricSnapshot> All => snapshots;

    /// <summary>The points of <paramref name="name"/> whose labels include every one of <paramref name="labels"/>.</summary>
    public IReadOnlyList<MetricPoint> Points(string name, params (string Key, string Value)[] labels)
    {
        var points = new List<MetricPoint>();
        foreach (var snapshot in snapshots.Where(s => s.Name == name))
        {
            foreach (var point in snapshot.MetricPoints)
            {
                var tags = Tags(point);
                if (labels.All(label => tags.TryGetValue(label.Key, out var value) && value == label.Value))
                    points.Add(point);
            }
        }

        return points;
    }

    public MetricSnapshot Instrument(string name) =>
        snapshots.LastOrDefault(s => s.Name == name) ?? throw new Xunit.Sdk.XunitException($"no metric {name}; have {string.Join(", ", snapshots.Select(s => s.Name).Distinct())}");

    /// <summary>The sum of a counter's points with these labels (0 when there are none).</summary>
    public long Count(string name, params (string Key, string Value)[] labels) =>
        Points(name, labels).Sum(point => point.GetSumLong());

    /// <summary>How many values a histogram recorded with these labels.</summary>
    public long HistogramCount(string name, params (string Key, string Value)[] labels) =>
        Points(name, labels).Sum(point => point.GetHistogramCount());

    public double HistogramSum(string name, params (string Key, string Value)[] labels) =>
        Points(name, labels).Sum(point => point.GetHistogramSum());

    public static Dictionary<string, string?> Tags(MetricPoint point)
    {
        var tags = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var tag in point.Tags)
            tags[tag.Key] = tag.Value?.ToString();
        return tags;
    }
}
