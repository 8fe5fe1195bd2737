using System.Globalization;
using Dapper;
using Microsoft.Extensions.Options;
using Platform.ControlPlane.Database;
using Platform.ControlPlane.Errors;
using Platform.ControlPlane.Json;
using Platform.ControlPlane.Modules;
using Platform.ControlPlane.Paging;

namespace Platform.ControlPlane.History;

/// <summary>The <c>invocations</c> table: batched inserts from the flusher, tenant-scoped reads, pruning.</summary>
internal sealed class HistoryStore(Db db, Cursors cursors, IOptions<HistoryOptions> options, IOptions<ControlPlaneOptions> platform)
{
    private const string Kind = "invocations";

    private const string Columns =
        """
        id, ended_at, function, version, trigger, outcome, exit_code, message, fuel, duration_us, worker, input_bytes, output_bytes, logs, logs_truncated,
        EXISTS (SELECT 1 FROM invocation_recordings r WHERE r.tenant_id = invocations.tenant_id AND r.invocation_id = invocations.id) AS recorded
        """;

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

    // A recording is kept while the tenant's recordings, this batch's before it included, stay
    // within its maxRecordingBytes, and only when its module is still stored (the caller holds
    // the modules' locks, so the collector cannot take one away before this commits).
    private const string InsertRecordings =
        """
        INSERT INTO invocation_recordings (tenant_id, invocation_id, module_sha256, input, output, clocks, random, args, env, limits, size_bytes)
        SELECT r.tenant_id, r.invocation_id, r.module_sha256, r.input, r.output, r.clocks::bigint[], r.random,
               r.args::text[], r.env::text[], r.limits::jsonb, r.size_bytes
        FROM (
            SELECT u.*, sum(u.size_bytes) OVER (PARTITION BY u.tenant_id ORDER BY u.ord) AS running
            FROM unnest(@tenants::uuid[], @ids::text[], @modules::text[], @inputs::bytea[], @outputs::bytea[], @clocks::text[],
                        @random::bytea[], @args::text[], @env::text[], @limits::text[], @sizes::bigint[])
                 WITH ORDINALITY AS u(tenant_id, invocation_id, module_sha256, input, output, clocks, random, args, env, limits, size_bytes, ord)
        ) r
        JOIN tenant_quotas q ON q.tenant_id = r.tenant_id
        WHERE EXISTS (SELECT 1 FROM invocations i WHERE i.tenant_id = r.tenant_id AND i.id = r.invocation_id)
          AND EXISTS (SELECT 1 FROM modules m WHERE m.sha256 = r.module_sha256)
          AND r.running + (SELECT coalesce(sum(x.size_bytes), 0) FROM invocation_recordings x WHERE x.tenant_id = r.tenant_id)
              <= coalesce(q.max_recording_bytes, @defaultMax)
        ON CONFLICT (tenant_id, invocation_id) DO NOTHING
        """;

    /// <summary>
    /// Inserts the records and their recordings, all in one transaction (all or nothing); a record
    /// already there is left as it is. A recording past its tenant's quota is not kept (its record is).
    /// </summary>
    public async Task AddAsync(IReadOnlyCollection<InvocationRecord> records, CancellationToken cancellationToken)
    {
        if (records.Count == 0)
            return;
        var batches = records.Chunk(options.Value.FlushBatchSize).Select(Parameters).ToList();
        var recorded = records.Where(r => r.Recording is not null).ToList();
        var modules = recorded.Select(r => r.Recording!.ModuleSha256).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var recordingBatches = recorded.Chunk(options.Value.FlushBatchSize).Select(RecordingParameters).ToList();
        await db.InTransactionAsync(async (connection, transaction, token) =>
        {
            foreach (var batch in batches)
                await connection.ExecuteAsync(Db.Command(Insert, batch, token, transaction));
            foreach (var module in modules)
                await connection.ExecuteAsync(Db.Command(ModuleLocks.TakeShared, new { space = ModuleLocks.Space, key = ModuleLocks.Key(module) }, token, transaction));
            foreach (var batch in recordingBatches)
                await connection.ExecuteAsync(Db.Command(InsertRecordings, batch, token, transaction));
            return 0;
        }, cancellationToken);
    }

    private object RecordingParameters(InvocationRecord[] rows) => new
    {
        tenants = rows.Select(r => r.TenantId).ToArray(),
        ids = rows.Select(r => r.Id).ToArray(),
        modules = rows.Select(r => r.Recording!.ModuleSha256).ToArray(),
        inputs = rows.Select(r => r.Recording!.Input).ToArray(),
        outputs = rows.Select(r => r.Recording!.Output).ToArray(),
        // Arrays of arrays travel as their text form; unnest of a 2-D array would flatten them.
        clocks = rows.Select(r => ArrayLiteral(r.Recording!.Clocks.Select(c => c.ToString(CultureInfo.InvariantCulture)))).ToArray(),
        random = rows.Select(r => r.Recording!.Random).ToArray(),
        args = rows.Select(r => ArrayLiteral(r.Recording!.Args)).ToArray(),
        env = rows.Select(r => ArrayLiteral(r.Recording!.Env)).ToArray(),
        limits = rows.Select(r => System.Text.Json.JsonSerializer.Serialize(r.Recording!.Limits, ApiJson.Options)).ToArray(),
        sizes = rows.Select(r => r.Recording!.SizeBytes).ToArray(),
        defaultMax = platform.Value.DefaultQuotas.MaxRecordingBytes,
    };

    /// <summary>A PostgreSQL array literal: every element double-quoted with its quotes and backslashes escaped.</summary>
    private static string ArrayLiteral(IEnumerable<string> items) =>
        "{" + string.Join(',', items.Select(i => "\"" + i.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"")) + "}";

    /// <summary>The tenant's recording of that invocation; NOT_FOUND when it has none (not recorded, deleted, pruned, or not its own).</summary>
    public async Task<InvocationRecording> GetRecordingAsync(Guid tenantId, string id, CancellationToken cancellationToken)
    {
        var row = await db.RunAsync((connection, token) => connection.QuerySingleOrDefaultAsync<RecordingRow>(Db.Command(
            """
            SELECT module_sha256, input, output, clocks, random, args, env, limits::text AS limits
            FROM invocation_recordings WHERE tenant_id = @tenantId AND invocation_id = @id
            """,
            new { tenantId, id },
            token)), cancellationToken);
        return row?.ToRecording() ?? throw NoRecording(id);
    }

    /// <summary>Deletes the tenant's recording of that invocation (its record stays); NOT_FOUND when there is none.</summary>
    public async Task DeleteRecordingAsync(Guid tenantId, string id, CancellationToken cancellationToken)
    {
        var deleted = await db.RunAsync((connection, token) => connection.ExecuteAsync(Db.Command(
            "DELETE FROM invocation_recordings WHERE tenant_id = @tenantId AND invocation_id = @id",
            new { tenantId, id },
            token)), cancellationToken);
        if (deleted == 0) throw NoRecording(id);
    }

    /// <summary>The module a recording of the tenant names; NOT_FOUND for any other.</summary>
    public async Task<byte[]> GetRecordedModuleAsync(Guid tenantId, string id, CancellationToken cancellationToken)
    {
        var content = await db.RunAsync((connection, token) => connection.QuerySingleOrDefaultAsync<byte[]>(Db.Command(
            """
            SELECT m.content FROM invocation_recordings r JOIN modules m ON m.sha256 = r.module_sha256
            WHERE r.tenant_id = @tenantId AND r.invocation_id = @id
            """,
            new { tenantId, id },
            token)), cancellationToken);
        return content ?? throw NoRecording(id);
    }

    public static PlatformException NoRecording(string id) =>
        PlatformException.NotFound($"invocation '{id}' has no recording (its version does not record this outcome, the recording quota was full, or it was deleted or pruned)");

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

    /// <summary>The tenant's records matching <paramref name="query"/> that ended at or after <paramref name="from"/>, oldest first (at most 1000: a live tail's poll).</summary>
    public async Task<IReadOnlyList<InvocationRecord>> SinceAsync(Guid tenantId, HistoryQuery query, DateTimeOffset from, CancellationToken cancellationToken)
    {
        var rows = await db.RunAsync(async (connection, token) => (await connection.QueryAsync<Row>(Db.Command(
            $"""
            SELECT {Columns} FROM invocations
            WHERE tenant_id = @tenantId
              AND (@function::text IS NULL OR function = @function)
              AND (@outcome::text IS NULL OR outcome = @outcome)
              AND ended_at >= @from
            ORDER BY ended_at, id
            LIMIT 1000
            """,
            new { tenantId, function = query.Function, outcome = query.Outcome, from = from.UtcDateTime },
            token))).ToList(), cancellationToken);
        return rows.Select(r => r.ToRecord(tenantId)).ToList();
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

        public bool Recorded { get; set; }

        public InvocationRecord ToRecord(Guid tenantId) => new(
            tenantId, Id, new DateTimeOffset(DateTime.SpecifyKind(EndedAt, DateTimeKind.Utc)), Function, Version, Trigger, Outcome,
            ExitCode, Message, Fuel, DurationUs, Worker, InputBytes, OutputBytes, Logs, LogsTruncated)
        {
            Recorded = Recorded,
        };
    }

    private sealed class RecordingRow
    {
        public string ModuleSha256 { get; set; } = "";
        public byte[] Input { get; set; } = [];
        public byte[] Output { get; set; } = [];
        public long[] Clocks { get; set; } = [];
        public byte[] Random { get; set; } = [];
        public string[] Args { get; set; } = [];
        public string[] Env { get; set; } = [];
        public string Limits { get; set; } = "{}";

        public InvocationRecording ToRecording() => new(
            ModuleSha256, Input, Output, Clocks, Random, Args, Env,
            System.Text.Json.JsonSerializer.Deserialize<RecordedLimits>(Limits, ApiJson.Options)!);
    }
}
