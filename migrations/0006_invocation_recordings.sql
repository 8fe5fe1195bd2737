-- 0006: replay recordings. For versions configured with "record": "failures" or "all", the
-- input, the output and what the host served the invocation (every clock reading, every random
-- byte), with the exact args, environment and limits, so that `platformctl replay` can run it
-- again. Deleted with its history record (retention) or by the tenant; at most the tenant's
-- max_recording_bytes in all, and counted in its stored bytes. A module a recording names is
-- not collected while the recording exists (see ModuleCollector).
CREATE TABLE invocation_recordings (
    tenant_id       uuid        NOT NULL,
    invocation_id   text        NOT NULL,
    module_sha256   text        NOT NULL CHECK (module_sha256 ~ '^[0-9a-f]{64}$'),
    input           bytea       NOT NULL,
    output          bytea       NOT NULL,
    clocks          bigint[]    NOT NULL,
    random          bytea       NOT NULL,
    args            text[]      NOT NULL,
    env             text[]      NOT NULL,
    limits          jsonb       NOT NULL CHECK (jsonb_typeof(limits) = 'object'),
    size_bytes      bigint      NOT NULL CHECK (size_bytes >= 0),
    PRIMARY KEY (tenant_id, invocation_id),
    FOREIGN KEY (tenant_id, invocation_id) REFERENCES invocations (tenant_id, id) ON DELETE CASCADE
);

CREATE INDEX invocation_recordings_module ON invocation_recordings (module_sha256);
