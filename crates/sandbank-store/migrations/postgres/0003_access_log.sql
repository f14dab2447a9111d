-- The access history of the privacy dashboard: one row per bank-API request the resource
-- server answered for a token issued on a customer's grant. `at` is microseconds since the
-- epoch on the sandbox clock; `accounts` is a JSON array of the account ids the request
-- reached; `action` says what the request did, in words (its operation's summary). Rows are appended in batches and never updated; `id` orders them.
-- The SQLite migration of the same number must describe the same table.

CREATE TABLE access_log (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    party_id TEXT COLLATE "C" NOT NULL,
    client_id TEXT COLLATE "C" NOT NULL,
    grant_id TEXT COLLATE "C" NOT NULL,
    at BIGINT NOT NULL,
    method TEXT NOT NULL,
    route TEXT NOT NULL,
    action TEXT NOT NULL,
    path TEXT NOT NULL,
    status BIGINT NOT NULL,
    accounts TEXT NOT NULL
);
CREATE INDEX access_log_app ON access_log (party_id, client_id, id);
