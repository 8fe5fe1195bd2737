-- 0005: invocation history. One row per invocation that reached a worker, written in batches by
-- the control plane that routed it (a crash loses at most one flush interval). Kept per tenant
-- for history_retention_hours and at most max_history_records rows (NULL = platform default);
-- a background job prunes the rest.
ALTER TABLE tenant_quotas
    ADD COLUMN history_retention_hours integer CHECK (history_retention_hours > 0),
    ADD COLUMN max_history_records     integer CHECK (max_history_records > 0),
    ADD COLUMN max_recording_bytes     bigint  CHECK (max_recording_bytes > 0);

CREATE TABLE invocations (
    tenant_id       uuid        NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id              text        NOT NULL CHECK (id ~ '^[0-9a-f]{32}$'),
    ended_at        timestamptz NOT NULL,
    function        text        NOT NULL,
    version         integer     NOT NULL,
    trigger         text        NOT NULL CHECK (trigger IN ('invoke', 'http')),
    outcome         text        NOT NULL,
    exit_code       integer,
    message         text,
    fuel            bigint      NOT NULL CHECK (fuel >= 0),
    duration_us     bigint      NOT NULL CHECK (duration_us >= 0),
    worker          text        NOT NULL,
    input_bytes     bigint      NOT NULL CHECK (input_bytes >= 0),
    output_bytes    bigint      NOT NULL CHECK (output_bytes >= 0),
    logs            bytea       NOT NULL,
    logs_truncated  boolean     NOT NULL,
    PRIMARY KEY (tenant_id, id)
);

-- Newest first, per tenant and per function: the list's keyset order and the pruner's.
CREATE INDEX invocations_tenant_ended ON invocations (tenant_id, ended_at DESC, id DESC);
CREATE INDEX invocations_tenant_function_ended ON invocations (tenant_id, function, ended_at DESC, id DESC);
