-- 0001: tenants, API keys, quotas, content-addressed modules, functions, versions, aliases.
-- Applied once by the control plane's migration runner (see src/Platform.ControlPlane/Database).

CREATE TABLE tenants (
    id          uuid        PRIMARY KEY,
    name        text        NOT NULL UNIQUE CHECK (name ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
    created_at  timestamptz NOT NULL
);

-- One row per tenant. NULL in a column means "no override: follow the platform default", so
-- changing a default moves every tenant that never overrode that field.
CREATE TABLE tenant_quotas (
    tenant_id               uuid        PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
    max_fuel                bigint      CHECK (max_fuel > 0),
    max_memory_mb           integer     CHECK (max_memory_mb > 0),
    max_timeout_ms          integer     CHECK (max_timeout_ms > 0),
    max_module_bytes        bigint      CHECK (max_module_bytes > 0),
    max_functions           integer     CHECK (max_functions > 0),
    invocations_per_second  integer     CHECK (invocations_per_second > 0),
    burst                   integer     CHECK (burst > 0),
    max_concurrency         integer     CHECK (max_concurrency > 0),
    max_input_bytes         bigint      CHECK (max_input_bytes > 0),
    max_output_bytes        bigint      CHECK (max_output_bytes > 0),
    updated_at              timestamptz NOT NULL
);

-- Only the SHA-256 of a key is stored; the secret is shown once at creation.
CREATE TABLE api_keys (
    id          uuid        PRIMARY KEY,
    tenant_id   uuid        NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    key_hash    bytea       NOT NULL UNIQUE CHECK (octet_length(key_hash) = 32),
    prefix      text        NOT NULL,
    created_at  timestamptz NOT NULL,
    revoked_at  timestamptz
);

CREATE INDEX api_keys_tenant ON api_keys (tenant_id);

-- Binary modules, stored once per content hash and shared by every version (of any tenant)
-- that uses the same bytes. Rows outlive the versions that reference them.
CREATE TABLE modules (
    sha256      text        PRIMARY KEY CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    size_bytes  bigint      NOT NULL CHECK (size_bytes > 0),
    content     bytea       NOT NULL,
    created_at  timestamptz NOT NULL
);

CREATE TABLE functions (
    id              uuid        PRIMARY KEY,
    tenant_id       uuid        NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    name            text        NOT NULL CHECK (name ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
    latest_version  integer     NOT NULL DEFAULT 0 CHECK (latest_version >= 0),
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    UNIQUE (tenant_id, name)
);

-- Immutable: a version pins its module and configuration forever.
CREATE TABLE function_versions (
    function_id     uuid        NOT NULL REFERENCES functions (id) ON DELETE CASCADE,
    version         integer     NOT NULL CHECK (version > 0),
    module_sha256   text        NOT NULL REFERENCES modules (sha256),
    config          jsonb       NOT NULL,
    created_at      timestamptz NOT NULL,
    PRIMARY KEY (function_id, version)
);

CREATE INDEX function_versions_module ON function_versions (module_sha256);

CREATE TABLE function_aliases (
    function_id     uuid        NOT NULL REFERENCES functions (id) ON DELETE CASCADE,
    alias           text        NOT NULL CHECK (alias ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
    version         integer     NOT NULL,
    updated_at      timestamptz NOT NULL,
    PRIMARY KEY (function_id, alias),
    FOREIGN KEY (function_id, version) REFERENCES function_versions (function_id, version) ON DELETE CASCADE
);
