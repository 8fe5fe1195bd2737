-- 0008: pre-initialisation. A version whose module exports an initialiser (wizer.initialize or
-- wizer-initialize) runs the snapshot taken at deploy: module_sha256 is then the snapshot (what
-- workers fetch and run), original_sha256 the module as uploaded (what a download returns), and
-- preinit_fuel the fuel the initialiser used. Both modules count in the tenant's stored bytes;
-- neither is collected while a version names it. NULL in both: the version runs its upload.
ALTER TABLE function_versions
    ADD COLUMN original_sha256 text REFERENCES modules (sha256),
    ADD COLUMN preinit_fuel    bigint CHECK (preinit_fuel >= 0),
    ADD CONSTRAINT function_versions_preinit_whole CHECK ((original_sha256 IS NULL) = (preinit_fuel IS NULL));

CREATE INDEX function_versions_original ON function_versions (original_sha256) WHERE original_sha256 IS NOT NULL;
