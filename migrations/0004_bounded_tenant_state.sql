-- 0004: bounded tenant state. New quota overrides (NULL = the platform default, as for every
-- quota), and an index for paging a tenant's keys in creation order.
ALTER TABLE tenant_quotas
    ADD COLUMN max_versions_per_function   integer CHECK (max_versions_per_function > 0),
    ADD COLUMN max_aliases_per_function    integer CHECK (max_aliases_per_function > 0),
    ADD COLUMN max_stored_bytes            bigint  CHECK (max_stored_bytes > 0),
    ADD COLUMN management_calls_per_second integer CHECK (management_calls_per_second > 0),
    ADD COLUMN management_burst            integer CHECK (management_burst > 0);

CREATE INDEX api_keys_tenant_page ON api_keys (tenant_id, created_at, id);
DROP INDEX api_keys_tenant;
