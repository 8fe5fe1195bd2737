-- 0003: usage accounting. The control plane aggregates invocations in memory per tenant,
-- function and minute and flushes them here in batches with an upsert that ADDS to the row, so
-- several replicas (and several flushes within one minute) sum up. Fuel is the billing unit.
-- outcomes: {"OK": n, "OUT_OF_FUEL": n, ...}, the invocations of the minute by outcome.
CREATE TABLE usage_minutes (
    tenant_id    uuid        NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    function     text        NOT NULL,
    minute       timestamptz NOT NULL,
    invocations  bigint      NOT NULL DEFAULT 0 CHECK (invocations >= 0),
    failures     bigint      NOT NULL DEFAULT 0 CHECK (failures >= 0),
    fuel         bigint      NOT NULL DEFAULT 0 CHECK (fuel >= 0),
    duration_us  bigint      NOT NULL DEFAULT 0 CHECK (duration_us >= 0),
    outcomes     jsonb       NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(outcomes) = 'object'),
    PRIMARY KEY (tenant_id, function, minute)
);

-- Range queries of one tenant over time (the primary key leads with the function).
CREATE INDEX usage_minutes_tenant_minute ON usage_minutes (tenant_id, minute);
