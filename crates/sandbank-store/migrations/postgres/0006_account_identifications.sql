-- The scheme identifications (IBAN, sort code and account number, ABA) of the dataset's
-- accounts, one row each, so that a payment to an identification finds the account it names
-- by the index rather than by reading every account's JSON. Written by the dataset loader
-- beside `accounts`; rows for a database loaded before this table existed are taken from the
-- accounts' bodies here. The SQLite migration of the same number must describe the same table.

CREATE TABLE account_identifications (
    identification TEXT COLLATE "C" NOT NULL,
    account_id TEXT COLLATE "C" NOT NULL REFERENCES accounts (account_id) DEFERRABLE INITIALLY DEFERRED,
    PRIMARY KEY (identification, account_id)
);

INSERT INTO account_identifications (identification, account_id)
SELECT DISTINCT item ->> 'identification', accounts.account_id
FROM accounts, jsonb_array_elements(COALESCE(accounts.body::jsonb -> 'accountIdentifications', '[]'::jsonb)) AS item
WHERE item ->> 'identification' IS NOT NULL;
