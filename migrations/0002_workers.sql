-- 0002: the worker registry. Workers register at start-up and heartbeat; one whose last
-- heartbeat is older than the control plane's worker TTL leaves placement. Kept in PostgreSQL
-- so that every control-plane replica sees the same workers.
CREATE TABLE workers (
    id              text        PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$'),
    advertise_url   text        NOT NULL CHECK (advertise_url ~ '^https?://'),
    capacity        integer     NOT NULL CHECK (capacity > 0),
    in_flight       integer     NOT NULL DEFAULT 0,
    module_count    integer     NOT NULL DEFAULT 0,
    registered_at   timestamptz NOT NULL,
    last_heartbeat  timestamptz NOT NULL
);
