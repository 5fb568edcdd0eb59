-- Cerulean schema v7 (PostgreSQL): refresh-token families indexed with their revoked flag.
-- Keep in step with migrations/sqlite/0007_refresh_family_revoked.sql.

-- Every rotation asks whether the token's family has a revoked member (reuse detection
-- revokes a whole family). A family gains a row per rotation, so on (family_id) alone that
-- question read the whole family, and a refresh grew slower the longer a client kept
-- refreshing. With the flag in the index it is one probe; the index still serves
-- lookups by family alone.
CREATE INDEX refresh_tokens_family_revoked ON refresh_tokens (family_id, revoked);
DROP INDEX refresh_tokens_family;
