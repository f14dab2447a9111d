-- The scheme identifications (IBAN, sort code and account number, ABA) of the dataset's
-- accounts, one row each, so that a payment to an identification finds the account it names
-- by the index rather than by reading every account's JSON. Written by the dataset loader
-- beside `accounts`; rows for a database loaded before this table existed are taken from the
-- accounts' bodies here. The PostgreSQL migration of the same number must describe the same
-- table.

CREATE TABLE account_identifications (
    identification TEXT NOT NULL,
    account_id TEXT NOT NULL REFERENCES accounts (account_id) DEFERRABLE INITIALLY DEFERRED,
    PRIMARY KEY (identification, account_id)
);

INSERT OR IGNORE INTO account_identifications (identification, account_id)
SELECT json_extract(item.value, '$.identification'), accounts.account_id
FROM accounts, json_each(accounts.body, '$.accountIdentifications') AS item
WHERE json_extract(item.value, '$.identification') IS NOT NULL;
