-- kyoyu's first schema. Shipped migrations are never edited: a change is a new file.
-- Plain SQL that a PostgreSQL migration can mirror: TEXT and INTEGER columns, timestamps as
-- RFC 3339 text with microseconds and `Z` (`YYYY-MM-DDTHH:MM:SS.ffffffZ`), so they sort as text.

CREATE TABLE orgs (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    created TEXT NOT NULL
);

CREATE TABLE tokens (
    id TEXT PRIMARY KEY,
    org INTEGER NOT NULL REFERENCES orgs (id),
    role TEXT NOT NULL,
    label TEXT NOT NULL,
    hash TEXT NOT NULL,
    created TEXT NOT NULL,
    revoked TEXT
);
CREATE INDEX tokens_org ON tokens (org);

CREATE TABLE incidents (
    tenant INTEGER NOT NULL REFERENCES orgs (id),
    id TEXT NOT NULL,
    version INTEGER NOT NULL,
    header TEXT NOT NULL,
    created TEXT NOT NULL,
    updated TEXT NOT NULL,
    PRIMARY KEY (tenant, id)
);

-- One row per entry of an appendable part (`items`, `timeline`, `approvals`), in order.
CREATE TABLE incident_entries (
    tenant INTEGER NOT NULL,
    incident TEXT NOT NULL,
    part TEXT NOT NULL,
    position INTEGER NOT NULL,
    json TEXT NOT NULL,
    PRIMARY KEY (tenant, incident, part, position),
    FOREIGN KEY (tenant, incident) REFERENCES incidents (tenant, id)
);

-- The victim lets the vendor act for it (M10).
CREATE TABLE consents (
    victim INTEGER NOT NULL REFERENCES orgs (id),
    vendor INTEGER NOT NULL REFERENCES orgs (id),
    created TEXT NOT NULL,
    PRIMARY KEY (victim, vendor)
);
CREATE INDEX consents_vendor ON consents (vendor);

CREATE TABLE communities (
    id TEXT PRIMARY KEY,
    owner INTEGER NOT NULL REFERENCES orgs (id),
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    kind TEXT NOT NULL,
    max_tlp TEXT NOT NULL,
    created TEXT NOT NULL
);
CREATE INDEX communities_owner ON communities (owner);

CREATE TABLE memberships (
    community TEXT NOT NULL REFERENCES communities (id),
    org INTEGER NOT NULL REFERENCES orgs (id),
    created TEXT NOT NULL,
    PRIMARY KEY (community, org)
);
CREATE INDEX memberships_org ON memberships (org);

-- STIX objects in TAXII collections (a collection is a community). `seq` is never reused, even
-- after the newest row is deleted (AUTOINCREMENT; PostgreSQL: an identity column), because it is
-- the paging cursor clients hold. `date_added` is unique and strictly increasing with `seq`.
CREATE TABLE stix_objects (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    collection TEXT NOT NULL REFERENCES communities (id),
    id TEXT NOT NULL,
    type TEXT NOT NULL,
    spec_version TEXT NOT NULL,
    version TEXT NOT NULL,
    date_added TEXT NOT NULL,
    tlp TEXT,
    audience TEXT NOT NULL,
    submitter INTEGER,
    is_latest INTEGER NOT NULL,
    json TEXT NOT NULL,
    UNIQUE (collection, id, version)
);
-- The unique constraint's index (collection, id, version) also serves lookups by (collection, id).
CREATE INDEX stix_objects_collection_seq ON stix_objects (collection, seq);
-- `match[version]=last` (the TAXII default) walks only the newest versions, in seq order.
CREATE INDEX stix_objects_latest ON stix_objects (collection, seq) WHERE is_latest = 1;
-- `added_after` becomes a seq bound through this index (date_added grows with seq).
CREATE UNIQUE INDEX stix_objects_date_added ON stix_objects (date_added);

-- The newest date_added ever handed out, so a deleted newest row cannot let a later object get
-- an earlier or equal date_added when the clock steps back.
CREATE TABLE stix_clock (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    last_date_added TEXT NOT NULL
);

-- TAXII status resources: the outcome of one POST, seen only by the tenant that posted.
CREATE TABLE statuses (
    id TEXT PRIMARY KEY,
    tenant INTEGER NOT NULL REFERENCES orgs (id),
    collection TEXT NOT NULL,
    status TEXT NOT NULL,
    request_timestamp TEXT NOT NULL,
    successes TEXT NOT NULL,
    failures TEXT NOT NULL
);

-- The hash-chained audit log (see kyoyu_store::audit). No foreign keys: the log outlives what
-- it describes. Append-only: the triggers refuse every UPDATE and DELETE.
CREATE TABLE audit_log (
    seq INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    tenant INTEGER,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_log_tenant_seq ON audit_log (tenant, seq);

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;

CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
