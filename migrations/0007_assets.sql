-- 0007: asset bundles and scratch. A version may carry a bundle of read-only files, stored once
-- per SHA-256 of its canonical tar (sorted entries, fixed owner, modes and times) like modules,
-- and shared by every version (of any tenant) with the same content; counted in each referencing
-- tenant's stored bytes and collected with unreferenced modules (see ModuleCollector). A version's
-- scratch limit lives in its config ("scratch": {"maxBytes": N}). NULL quotas follow the defaults.
ALTER TABLE tenant_quotas
    ADD COLUMN max_asset_bytes   bigint  CHECK (max_asset_bytes > 0),
    ADD COLUMN max_asset_files   integer CHECK (max_asset_files > 0),
    ADD COLUMN max_scratch_bytes bigint  CHECK (max_scratch_bytes > 0);

CREATE TABLE assets (
    sha256      text        PRIMARY KEY CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    -- Bytes of the stored canonical tar (what counts in maxStoredBytes).
    size_bytes  bigint      NOT NULL CHECK (size_bytes > 0),
    -- Bytes of the files' contents and the number of files, as the version view shows them.
    file_bytes  bigint      NOT NULL CHECK (file_bytes >= 0),
    file_count  integer     NOT NULL CHECK (file_count >= 0),
    content     bytea       NOT NULL,
    created_at  timestamptz NOT NULL
);

ALTER TABLE function_versions
    ADD COLUMN assets_sha256 text REFERENCES assets (sha256);

CREATE INDEX function_versions_assets ON function_versions (assets_sha256) WHERE assets_sha256 IS NOT NULL;
