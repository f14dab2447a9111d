-- Sandbank's initial schema (PostgreSQL). Every record table keeps the record's JSON, exactly as
-- serialized, in `body`, plus the columns that queries filter and sort on. Times are
-- microseconds since the Unix epoch (UTC); dates are ISO 8601 text; `amount_key` is the amount
-- zero-padded to 15 integer and 5 decimal digits, so text order is numeric order.
-- Foreign keys are checked at commit, so a dataset can be written in any order.
-- Text keys use the "C" collation so that they sort byte-wise, exactly as in SQLite: both
-- databases must return the same rows in the same order.
-- The SQLite migration of the same number must describe the same tables.

CREATE TABLE dataset (
    id SMALLINT PRIMARY KEY CHECK (id = 1),
    seed TEXT NOT NULL,
    generator_version TEXT NOT NULL,
    content_hash TEXT,
    counts TEXT NOT NULL
);

CREATE TABLE parties (
    party_id TEXT COLLATE "C" PRIMARY KEY,
    body TEXT NOT NULL
);

CREATE TABLE customers (
    username TEXT COLLATE "C" PRIMARY KEY,
    party_id TEXT COLLATE "C" NOT NULL REFERENCES parties (party_id) DEFERRABLE INITIALLY DEFERRED,
    persona BOOLEAN NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX customers_party ON customers (party_id);

CREATE TABLE accounts (
    account_id TEXT COLLATE "C" PRIMARY KEY,
    body TEXT NOT NULL
);

CREATE TABLE account_parties (
    account_id TEXT COLLATE "C" NOT NULL REFERENCES accounts (account_id) DEFERRABLE INITIALLY DEFERRED,
    party_id TEXT COLLATE "C" NOT NULL REFERENCES parties (party_id) DEFERRABLE INITIALLY DEFERRED,
    relationship TEXT COLLATE "C" NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (account_id, party_id, relationship)
);
CREATE INDEX account_parties_party ON account_parties (party_id, account_id);

CREATE TABLE balances (
    account_id TEXT COLLATE "C" NOT NULL REFERENCES accounts (account_id) DEFERRABLE INITIALLY DEFERRED,
    ord BIGINT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (account_id, ord)
);

CREATE TABLE transactions (
    transaction_id TEXT COLLATE "C" PRIMARY KEY,
    account_id TEXT COLLATE "C" NOT NULL REFERENCES accounts (account_id) DEFERRABLE INITIALLY DEFERRED,
    booking_ts BIGINT NOT NULL,
    status TEXT COLLATE "C" NOT NULL,
    category TEXT COLLATE "C" NOT NULL,
    amount_key TEXT COLLATE "C" NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX transactions_account_time ON transactions (account_id, booking_ts, transaction_id);

CREATE TABLE statements (
    statement_id TEXT COLLATE "C" PRIMARY KEY,
    account_id TEXT COLLATE "C" NOT NULL REFERENCES accounts (account_id) DEFERRABLE INITIALLY DEFERRED,
    start_date TEXT COLLATE "C" NOT NULL,
    end_date TEXT COLLATE "C" NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX statements_account ON statements (account_id, start_date, statement_id);

CREATE TABLE holdings (
    holding_id TEXT COLLATE "C" PRIMARY KEY,
    account_id TEXT COLLATE "C" NOT NULL REFERENCES accounts (account_id) DEFERRABLE INITIALLY DEFERRED,
    ord BIGINT NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX holdings_account ON holdings (account_id, ord);

CREATE TABLE policies (
    policy_id TEXT COLLATE "C" PRIMARY KEY,
    account_id TEXT COLLATE "C" NOT NULL REFERENCES accounts (account_id) DEFERRABLE INITIALLY DEFERRED,
    policyholder TEXT COLLATE "C" NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX policies_account ON policies (account_id, policy_id);
CREATE INDEX policies_policyholder ON policies (policyholder, policy_id);

CREATE TABLE claims (
    claim_id TEXT COLLATE "C" PRIMARY KEY,
    policy_id TEXT COLLATE "C" NOT NULL REFERENCES policies (policy_id) DEFERRABLE INITIALLY DEFERRED,
    body TEXT NOT NULL
);
CREATE INDEX claims_policy ON claims (policy_id, claim_id);

CREATE TABLE cards (
    card_id TEXT COLLATE "C" PRIMARY KEY,
    account_id TEXT COLLATE "C" NOT NULL REFERENCES accounts (account_id) DEFERRABLE INITIALLY DEFERRED,
    cardholder_party_id TEXT COLLATE "C" NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX cards_account ON cards (account_id, card_id);
CREATE INDEX cards_cardholder ON cards (cardholder_party_id, card_id);

-- Authorization-server state: one-time and expiring things keyed by (kind, key).
CREATE TABLE auth_state (
    kind TEXT COLLATE "C" NOT NULL,
    key TEXT COLLATE "C" NOT NULL,
    value TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    consumed_at BIGINT,
    PRIMARY KEY (kind, key)
);
CREATE INDEX auth_state_expiry ON auth_state (expires_at);
