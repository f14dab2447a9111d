-- Sandbank's initial schema (SQLite). Every record table keeps the record's JSON, exactly as
-- serialized, in `body`, plus the columns that queries filter and sort on. Times are
-- microseconds since the Unix epoch (UTC); dates are ISO 8601 text; `amount_key` is the amount
-- zero-padded to 15 integer and 5 decimal digits, so text order is numeric order.
-- Foreign keys are checked at commit, so a dataset can be written in any order.
-- The PostgreSQL migration of the same number must describe the same tables.

CREATE TABLE dataset (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    seed TEXT NOT NULL,
    generator_version TEXT NOT NULL,
    content_hash TEXT,
    counts TEXT NOT NULL
);

CREATE TABLE parties (
    party_id TEXT PRIMARY KEY,
    body TEXT NOT NULL
);

CREATE TABLE customers (
    username TEXT PRIMARY KEY,
    party_id TEXT NOT NULL REFERENCES parties (party_id) DEFERRABLE INITIALLY DEFERRED,
    persona INTEGER NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX customers_party ON customers (party_id);

CREATE TABLE accounts (
    account_id TEXT PRIMARY KEY,
    body TEXT NOT NULL
);

CREATE TABLE account_parties (
    account_id TEXT NOT NULL REFERENCES accounts (account_id) DEFERRABLE INITIALLY DEFERRED,
    party_id TEXT NOT NULL REFERENCES parties (party_id) DEFERRABLE INITIALLY DEFERRED,
    relationship TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (account_id, party_id, relationship)
);
CREATE INDEX account_parties_party ON account_parties (party_id, account_id);

CREATE TABLE balances (
    account_id TEXT NOT NULL REFERENCES accounts (account_id) DEFERRABLE INITIALLY DEFERRED,
    ord INTEGER NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (account_id, ord)
);

CREATE TABLE transactions (
    transaction_id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (account_id) DEFERRABLE INITIALLY DEFERRED,
    booking_ts INTEGER NOT NULL,
    status TEXT NOT NULL,
    category TEXT NOT NULL,
    amount_key TEXT NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX transactions_account_time ON transactions (account_id, booking_ts, transaction_id);

CREATE TABLE statements (
    statement_id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (account_id) DEFERRABLE INITIALLY DEFERRED,
    start_date TEXT NOT NULL,
    end_date TEXT NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX statements_account ON statements (account_id, start_date, statement_id);

CREATE TABLE holdings (
    holding_id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (account_id) DEFERRABLE INITIALLY DEFERRED,
    ord INTEGER NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX holdings_account ON holdings (account_id, ord);

CREATE TABLE policies (
    policy_id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (account_id) DEFERRABLE INITIALLY DEFERRED,
    policyholder TEXT NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX policies_account ON policies (account_id, policy_id);
CREATE INDEX policies_policyholder ON policies (policyholder, policy_id);

CREATE TABLE claims (
    claim_id TEXT PRIMARY KEY,
    policy_id TEXT NOT NULL REFERENCES policies (policy_id) DEFERRABLE INITIALLY DEFERRED,
    body TEXT NOT NULL
);
CREATE INDEX claims_policy ON claims (policy_id, claim_id);

CREATE TABLE cards (
    card_id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (account_id) DEFERRABLE INITIALLY DEFERRED,
    cardholder_party_id TEXT NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX cards_account ON cards (account_id, card_id);
CREATE INDEX cards_cardholder ON cards (cardholder_party_id, card_id);

-- Authorization-server state: one-time and expiring things keyed by (kind, key).
CREATE TABLE auth_state (
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    consumed_at INTEGER,
    PRIMARY KEY (kind, key)
);
CREATE INDEX auth_state_expiry ON auth_state (expires_at);
