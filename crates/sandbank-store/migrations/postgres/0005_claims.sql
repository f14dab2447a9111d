-- Insurance claims filed through the bank API (`POST /insurance/policies/{policyId}/claims`).
-- They are kept apart from the dataset's `claims` table, which a dataset rebuild (a sandbox
-- clock move) deletes and regenerates: a filed claim must outlive that. Each is its JSON `body`
-- plus the columns the lifecycle needs. One claim per client and `Idempotency-Key` when a key
-- is given (a NULL key never clashes), enforced here so no two instances can create two;
-- `fingerprint` tells a retry from another request under the same key. `due_at`
-- (microseconds, sandbox clock) is when the claim next moves; NULL once it is closed.
-- The money a paid claim moves is a `ledger_entries` booking (source_id = claim_id).
-- The SQLite migration of the same number must describe the same table.

CREATE TABLE filed_claims (
    claim_id TEXT COLLATE "C" PRIMARY KEY,
    policy_id TEXT COLLATE "C" NOT NULL,
    party_id TEXT COLLATE "C" NOT NULL,
    client_id TEXT COLLATE "C" NOT NULL,
    idempotency_key TEXT,
    fingerprint TEXT NOT NULL,
    status TEXT NOT NULL,
    due_at BIGINT,
    created_at BIGINT NOT NULL,
    body TEXT NOT NULL,
    UNIQUE (client_id, idempotency_key)
);
CREATE INDEX filed_claims_policy ON filed_claims (policy_id, created_at, claim_id);
CREATE INDEX filed_claims_due ON filed_claims (due_at) WHERE due_at IS NOT NULL;
