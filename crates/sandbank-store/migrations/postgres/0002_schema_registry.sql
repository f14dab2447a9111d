-- The schema registry's run-time state: schemas registered through its APIs (see
-- `RegistryStore` in sandbank-registry). Every distinct schema text is stored once, with an id
-- from 1 up, below 2^30 (ids from 2^30 are Sandbank's own schemas'); `text_hash` is the
-- SHA-256 of the text, in hex, so that uniqueness does not index whole texts (a B-tree entry
-- is limited to about 2.7 kB). A subject's versions are numbered from 1; a subject never holds
-- the same text twice. Concurrent registrations are settled by the unique constraints.
-- The SQLite migration of the same number must describe the same tables.

CREATE TABLE registry_schemas (
    id BIGINT PRIMARY KEY CHECK (id >= 1 AND id < 1073741824),
    text_hash TEXT COLLATE "C" NOT NULL UNIQUE,
    schema TEXT NOT NULL
);

CREATE TABLE registry_versions (
    subject TEXT COLLATE "C" NOT NULL,
    version BIGINT NOT NULL CHECK (version >= 1),
    schema_id BIGINT NOT NULL REFERENCES registry_schemas (id),
    PRIMARY KEY (subject, version),
    UNIQUE (subject, schema_id)
);
CREATE INDEX registry_versions_schema ON registry_versions (schema_id);

-- The global compatibility level: at most one row.
CREATE TABLE registry_global_config (
    id SMALLINT PRIMARY KEY CHECK (id = 1),
    compatibility TEXT NOT NULL
);

-- Per-subject compatibility levels; a subject may have one before it has any version.
CREATE TABLE registry_subject_config (
    subject TEXT COLLATE "C" PRIMARY KEY,
    compatibility TEXT NOT NULL
);
