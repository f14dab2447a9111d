-- Payments and the money they (and claims) move. `payments` holds each payment as its JSON
-- `body` plus the columns the lifecycle needs: one payment per grant (a payment consent is
-- single-use) and one per client and `Idempotency-Key`, both enforced here, so no two
-- instances can create two. `fingerprint` is the request body's canonical JSON, to tell a
-- retry from a different request under the same key. `due_at` (microseconds, sandbox clock)
-- is when a waiting payment next moves; NULL once it is final. `notify` is the delivery state
-- each of its events starts in: PENDING when the client had a notification URI when it made the
-- payment, NOT_REGISTERED otherwise (so no worker has anything to do for it).
-- `payment_events` lists each payment's status changes in order, each with its notification to
-- the client's `payment_notification_uri`: `delivery` is PENDING (to send, not before
-- `next_attempt_at`, microseconds of real time), DELIVERED (at `delivered_at`), FAILED (given
-- up; `last_error` says why) or NOT_REGISTERED (the client has no notification URI).
-- `ledger_entries` are the movements of money the bank made after the dataset was generated:
-- a hold (`HOLD`, a pending debit) or a booking (`BOOKED`), each with the transaction it shows
-- as. A dataset rebuild (a sandbox clock move) replays them onto the regenerated accounts.
-- The SQLite migration of the same number must describe the same tables.

CREATE TABLE payments (
    payment_id TEXT COLLATE "C" PRIMARY KEY,
    client_id TEXT COLLATE "C" NOT NULL,
    grant_id TEXT COLLATE "C" NOT NULL UNIQUE,
    party_id TEXT COLLATE "C" NOT NULL,
    idempotency_key TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    status TEXT NOT NULL,
    due_at BIGINT,
    created_at BIGINT NOT NULL,
    notify TEXT NOT NULL,
    body TEXT NOT NULL,
    UNIQUE (client_id, idempotency_key)
);
CREATE INDEX payments_client ON payments (client_id, party_id, created_at, payment_id);
CREATE INDEX payments_due ON payments (due_at) WHERE due_at IS NOT NULL;

CREATE TABLE payment_events (
    payment_id TEXT COLLATE "C" NOT NULL REFERENCES payments (payment_id) ON DELETE CASCADE,
    sequence BIGINT NOT NULL,
    at BIGINT NOT NULL,
    delivery TEXT NOT NULL DEFAULT 'PENDING',
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL DEFAULT 0,
    delivered_at BIGINT,
    last_error TEXT,
    body TEXT NOT NULL,
    PRIMARY KEY (payment_id, sequence)
);
CREATE INDEX payment_events_outbox ON payment_events (next_attempt_at) WHERE delivery = 'PENDING';

CREATE TABLE ledger_entries (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    source_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    account_id TEXT COLLATE "C" NOT NULL,
    transaction_id TEXT NOT NULL UNIQUE,
    current_delta TEXT NOT NULL,
    available_delta TEXT NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX ledger_entries_source ON ledger_entries (source_id);
