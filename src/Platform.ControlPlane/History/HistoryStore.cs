using System.Globalization;
using Dapper;
using Microsoft.Extensions.Options;
using Platform.ControlPlane.Database;
using Platform.ControlPlane.Errors;
using Platform.ControlPlane.Paging;

namespace Platform.ControlPlane.History;

/// <summary>The <c>invocations</c> table: batched inserts from the flusher, tenant-scoped reads, pruning.</summary>
internal sealed class HistoryStore(Db db, Cursors cursors, IOptions<HistoryOptions> options, IOptions<ControlPlaneOptions> platform)
{
    private const string Kind = "invocations";

    private const string Columns =
        "id, ended_at, function, version, trigger, outcome, exit_code, message, fuel, duration_us, worker, input_bytes, output_bytes, logs, logs_truncated";

    // Records of tenants deleted since the invocation ran are skipped (their history went with them).
    private const string Insert =
        """
        INSERT INTO invocations (tenant_id, id, ended_at, function, version, trigger, outcome, exit_code, message, fuel, duration_us,
                                 worker, input_bytes, output_bytes, logs, logs_truncated)
        SELECT r.* FROM unnest(@tenants::uuid[], @ids::text[], @ended::timestamptz[], @functions::text[], @versions::integer[],
                               @triggers::text[], @outcomes::text[], @exitCodes::integer[], @messages::text[], @fuel::bigint[],
                               @durations::bigint[], @workers::text[], @inputs::bigint[], @outputs::bigint[], @logs::bytea[],
                               @truncated::boolean[])
             AS r(tenant_id, id, ended_at, function, version, trigger, outcome, exit_code, message, fuel, duration_us,
                  worker, input_bytes, output_bytes, logs, logs_truncated)
        WHERE EXISTS (SELECT 1 FROM tenants t WHERE t.id = r.tenant_id)
        ON CONFLICT (tenant_id, id) DO NOTHING
        """;

    /// <summary>Inserts the records, all in one transaction (all or nothing); a record already there is left as it is.</summary>
    public async Task AddAsync(IReadOnlyCollection<InvocationRecord> records, CancellationToken cancellationToken)
    {
        if (records.Count == 0)
            return;
        var batches = records.Chunk(options.Value.FlushBatchSize).Select(Parameters).ToList();
        await db.InTransactionAsync(async (connection, transaction, token) =>
        {
            foreach (var batch in batches)
                await connection.ExecuteAsync(Db.Command(Insert, batch, token, transaction));
            return 0;
        }, cancellationToken);
    }

    private static object Parameters(InvocationRecord[] rows) => new
    {
        tenants = rows.Select(r => r.TenantId).ToArray(),
        ids = rows.Select(r => r.Id).ToArray(),
        ended = rows.Select(r => r.EndedAt.UtcDateTime).ToArray(),
        functions = rows.Select(r => r.Function).ToArray(),
        versions = rows.Select(r => r.Version).ToArray(),
        triggers = rows.Select(r => r.Trigger).ToArray(),
        outcomes = rows.Select(r => r.Outcome).ToArray(),
        exitCodes = rows.Select(r => r.ExitCode).ToArray(),
        messages = rows.Select(r => r.Message).ToArray(),
        fuel = rows.Select(r => Math.Max(0, r.FuelConsumed)).ToArray(),
        durations = rows.Select(r => Math.Max(0, r.DurationUs)).ToArray(),
        workers = rows.Select(r => r.Worker).ToArray(),
        inputs = rows.Select(r => r.InputBytes).ToArray(),
        outputs = rows.Select(r => r.OutputBytes).ToArray(),
        logs = rows.Select(r => r.Logs).ToArray(),
        truncated = rows.Select(r => r.LogsTruncated).ToArray(),
    };

    /// <summary>The tenant's records matching <paramref name="query"/>, newest first, one page.</summary>
    public async Task<Page<InvocationRecord>> ListAsync(Guid tenantId, HistoryQuery query, PageRequest page, CancellationToken cancellationToken)
    {
        var scope = query.Scope(tenantId);
        var (afterAt, afterId) = page.Cursor is null ? (null, null) : Position(cursors.Decode(page.Cursor, Kind, scope));
        var rows = await db.RunAsync(async (connection, token) => (await connection.QueryAsync<Row>(Db.Command(
            $"""
            SELECT {Columns} FROM invocations
            WHERE tenant_id = @tenantId
              AND (@function::text IS NULL OR function = @function)
              AND (@outcome::text IS NULL OR outcome = @outcome)
              AND (@since::timestamptz IS NULL OR ended_at >= @since)
              AND (@until::timestamptz IS NULL OR ended_at < @until)
              AND (@afterAt::timestamptz IS NULL OR (ended_at, id) < (@afterAt, @afterId))
            ORDER BY ended_at DESC, id DESC
            LIMIT @take
            """,
            new
            {
                tenantId,
                function = query.Function,
                outcome = query.Outcome,
                since = query.Since?.UtcDateTime,
                until = query.Until?.UtcDateTime,
                afterAt,
                afterId,
                take = page.Limit + 1,
            },
            token))).ToList(), cancellationToken);
        return Pages.From(rows, page.Limit, r => r.ToRecord(tenantId), last => cursors.Encode(Kind, scope, Cursor(last)));
    }

    /// <summary>The tenant's record with that id; NOT_FOUND for one it does not own.</summary>
    public async Task<InvocationRecord> GetAsync(Guid tenantId, string id, CancellationToken cancellationToken)
    {
        var row = await db.RunAsync((connection, token) => connection.QuerySingleOrDefaultAsync<Row>(Db.Command(
            $"SELECT {Columns} FROM invocations WHERE tenant_id = @tenantId AND id = @id",
            new { tenantId, id },
            token)), cancellationToken);
        return row?.ToRecord(tenantId) ?? throw NotFound(id);
    }

    public static PlatformException NotFound(string id) => PlatformException.NotFound($"invocation '{id}' does not exist (or is past the history's retention)");

    /// <summary>Deletes the records past each tenant's retention at <paramref name="now"/>: too old, or beyond the newest maxHistoryRecords. Returns how many.</summary>
    public async Task<long> PruneAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var defaults = platform.Value.DefaultQuotas;
        return await db.RunAsync(async (connection, token) =>
        {
            var parameters = new { now = now.UtcDateTime, hours = defaults.HistoryRetentionHours, count = defaults.MaxHistoryRecords };
            var old = await connection.ExecuteAsync(Db.Command(
                """
                DELETE FROM invocations i USING tenant_quotas q
                WHERE q.tenant_id = i.tenant_id
                  AND i.ended_at < @now - make_interval(hours => coalesce(q.history_retention_hours, @hours))
                """,
                parameters,
                token));
            var surplus = await connection.ExecuteAsync(Db.Command(
                """
                DELETE FROM invocations i USING (
                    SELECT r.tenant_id, r.id FROM (
                        SELECT v.tenant_id, v.id, coalesce(q.max_history_records, @count) AS cap,
                               row_number() OVER (PARTITION BY v.tenant_id ORDER BY v.ended_at DESC, v.id DESC) AS n
                        FROM invocations v JOIN tenant_quotas q ON q.tenant_id = v.tenant_id) r
                    WHERE r.n > r.cap) d
                WHERE i.tenant_id = d.tenant_id AND i.id = d.id
                """,
                parameters,
                token));
            return (long)old + surplus;
        }, cancellationToken);
    }

    private static string Cursor(Row row) =>
        $"{new DateTimeOffset(DateTime.SpecifyKind(row.EndedAt, DateTimeKind.Utc)).UtcTicks.ToString(CultureInfo.InvariantCulture)}|{row.Id}";

    private static (DateTime? At, string? Id) Position(string position)
    {
        var bar = position.IndexOf('|', StringComparison.Ordinal);
        if (bar <= 0 || !long.TryParse(position.AsSpan(0, bar), NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)
            || ticks > DateTime.MaxValue.Ticks)
            throw Cursors.Malformed();
        return (new DateTime(ticks, DateTimeKind.Utc), position[(bar + 1)..]);
    }

    private sealed class Row
    {
        public string Id { get; set; } = "";
        public DateTime EndedAt { get; set; }
        public string Function { get; set; } = "";
        public int Version { get; set; }
        public string Trigger { get; set; } = "";
        public string Outcome { get; set; } = "";
        public int? ExitCode { get; set; }
        public string? Message { get; set; }
        public long Fuel { get; set; }
        public long DurationUs { get; set; }
        public string Worker { get; set; } = "";
        public long InputBytes { get; set; }
        public long OutputBytes { get; set; }
        public byte[] Logs { get; set; } = [];
        public bool LogsTruncated { get; set; }

        public InvocationRecord ToRecord(Guid tenantId) => new(
            tenantId, Id, new DateTimeOffset(DateTime.SpecifyKind(EndedAt, DateTimeKind.Utc)), Function, Version, Trigger, Outcome,
            ExitCode, Message, Fuel, DurationUs, Worker, InputBytes, OutputBytes, Logs, LogsTruncated);
    }
}
