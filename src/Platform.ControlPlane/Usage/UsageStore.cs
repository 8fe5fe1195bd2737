using System.Text.Json;
using Dapper;
using Microsoft.Extensions.Options;
using Platform.ControlPlane.Database;

namespace Platform.ControlPlane.Usage;

/// <summary>Usage totals of a tenant or of one of its functions over a time range.</summary>
internal sealed record UsageTotals(long Invocations, long Failures, long FuelConsumed, double DurationMs, IReadOnlyDictionary<string, long> Outcomes);

internal sealed record FunctionUsage(string Name, long Invocations, long Failures, long FuelConsumed, double DurationMs, IReadOnlyDictionary<string, long> Outcomes);

internal sealed record UsageReport(string Tenant, DateTimeOffset From, DateTimeOffset To, UsageTotals Totals, IReadOnlyList<FunctionUsage> Functions);

/// <summary>The <c>usage_minutes</c> table: additive upserts from the flusher, range queries per tenant.</summary>
internal sealed class UsageStore(Db db, IOptions<UsageOptions> options)
{
    // Rows of tenants deleted since the invocations were counted are skipped (their usage went with them).
    private const string Upsert =
        """
        INSERT INTO usage_minutes AS u (tenant_id, function, minute, invocations, failures, fuel, duration_us, outcomes)
        SELECT r.tenant_id, r.function, r.minute, r.invocations, r.failures, r.fuel, r.duration_us, r.outcomes::jsonb
        FROM unnest(@tenants::uuid[], @functions::text[], @minutes::timestamptz[], @invocations::bigint[], @failures::bigint[],
                    @fuel::bigint[], @durations::bigint[], @outcomes::text[])
             AS r(tenant_id, function, minute, invocations, failures, fuel, duration_us, outcomes)
        WHERE EXISTS (SELECT 1 FROM tenants t WHERE t.id = r.tenant_id)
        ON CONFLICT (tenant_id, function, minute) DO UPDATE SET
            invocations = u.invocations + EXCLUDED.invocations,
            failures = u.failures + EXCLUDED.failures,
            fuel = u.fuel + EXCLUDED.fuel,
            duration_us = u.duration_us + EXCLUDED.duration_us,
            outcomes = (
                SELECT coalesce(jsonb_object_agg(k.key, coalesce((u.outcomes ->> k.key)::bigint, 0) + coalesce((EXCLUDED.outcomes ->> k.key)::bigint, 0)), '{}'::jsonb)
                FROM (SELECT jsonb_object_keys(u.outcomes) UNION SELECT jsonb_object_keys(EXCLUDED.outcomes)) AS k(key))
        """;

    /// <summary>Adds the buckets to their rows, all in one transaction (all or nothing).</summary>
    public async Task AddAsync(IReadOnlyCollection<KeyValuePair<UsageKey, UsageCounts>> buckets, CancellationToken cancellationToken)
    {
        if (buckets.Count == 0)
            return;
        var batches = buckets.Chunk(options.Value.FlushBatchSize).Select(Parameters).ToList();
        await db.InTransactionAsync(async (connection, transaction, token) =>
        {
            foreach (var batch in batches)
                await connection.ExecuteAsync(Db.Command(Upsert, batch, token, transaction));
            return 0;
        }, cancellationToken);
    }

    private static object Parameters(KeyValuePair<UsageKey, UsageCounts>[] rows) => new
    {
        tenants = rows.Select(r => r.Key.TenantId).ToArray(),
        functions = rows.Select(r => r.Key.Function).ToArray(),
        minutes = rows.Select(r => r.Key.Minute).ToArray(),
        invocations = rows.Select(r => r.Value.Invocations).ToArray(),
        failures = rows.Select(r => r.Value.Failures).ToArray(),
        fuel = rows.Select(r => r.Value.Fuel).ToArray(),
        durations = rows.Select(r => r.Value.DurationUs).ToArray(),
        outcomes = rows.Select(r => JsonSerializer.Serialize(r.Value.Outcomes)).ToArray(),
    };

    /// <summary>The tenant's usage in the minute buckets that start in [<paramref name="from"/> truncated to the minute, <paramref name="to"/>).</summary>
    public async Task<UsageReport> QueryAsync(Guid tenantId, string tenantName, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        var start = new DateTime(from.UtcTicks - (from.UtcTicks % TimeSpan.TicksPerMinute), DateTimeKind.Utc);
        var end = to.UtcDateTime;
        var (sums, outcomes) = await db.RunAsync(async (connection, token) =>
        {
            var parameters = new { tenantId, start, end };
            var sums = (await connection.QueryAsync<SumRow>(Db.Command(
                """
                SELECT function, sum(invocations)::bigint AS invocations, sum(failures)::bigint AS failures,
                       sum(fuel)::bigint AS fuel, sum(duration_us)::bigint AS duration_us
                FROM usage_minutes
                WHERE tenant_id = @tenantId AND minute >= @start AND minute < @end
                GROUP BY function ORDER BY function
                """,
                parameters, token))).ToList();
            var outcomes = (await connection.QueryAsync<OutcomeRow>(Db.Command(
                """
                SELECT u.function, o.key AS outcome, sum(o.value::bigint)::bigint AS count
                FROM usage_minutes u CROSS JOIN LATERAL jsonb_each_text(u.outcomes) AS o
                WHERE u.tenant_id = @tenantId AND u.minute >= @start AND u.minute < @end
                GROUP BY u.function, o.key
                """,
                parameters, token))).ToList();
            return (sums, outcomes);
        }, cancellationToken);

        var byFunction = outcomes.GroupBy(o => o.Function, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => (IReadOnlyDictionary<string, long>)new SortedDictionary<string, long>(g.ToDictionary(o => o.Outcome, o => o.Count, StringComparer.Ordinal), StringComparer.Ordinal), StringComparer.Ordinal);
        var functions = sums.Select(s => new FunctionUsage(
            s.Function,
            s.Invocations,
            s.Failures,
            s.Fuel,
            Milliseconds(s.DurationUs),
            byFunction.GetValueOrDefault(s.Function) ?? new SortedDictionary<string, long>(StringComparer.Ordinal))).ToList();
        var totalOutcomes = new SortedDictionary<string, long>(StringComparer.Ordinal);
        foreach (var o in outcomes)
            totalOutcomes[o.Outcome] = totalOutcomes.GetValueOrDefault(o.Outcome) + o.Count;
        var totals = new UsageTotals(
            sums.Sum(s => s.Invocations),
            sums.Sum(s => s.Failures),
            sums.Sum(s => s.Fuel),
            Milliseconds(sums.Sum(s => s.DurationUs)),
            totalOutcomes);
        return new UsageReport(tenantName, from, to, totals, functions);
    }

    private static double Milliseconds(long microseconds) => microseconds / 1000.0;

    private sealed record SumRow(string Function, long Invocations, long Failures, long Fuel, long DurationUs);

    private sealed record OutcomeRow(string Function, string Outcome, long Count);
}
