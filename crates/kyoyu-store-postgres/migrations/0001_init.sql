-- kyoyu's first PostgreSQL schema: the same tables as the SQLite backend's 0001 and 0002, in
-- PostgreSQL's types, with row-level security on every table that holds a tenant's data.
-- Shipped migrations are never edited: a change is a new file.
--
-- Created in the first schema of the connection's search_path (public, or the schema the URL's
-- `options=-csearch_path=…` names), owned by the user the store connects as. The store's own
-- transactions never run as that owner: every pooled connection does `SET ROLE kyoyu_app`, a
-- role without LOGIN that owns nothing, so the policies below apply to it (owners bypass row
-- security unless FORCE ROW LEVEL SECURITY, superusers always).
--
-- Every store transaction sets `kyoyu.tenant` with set_config(…, true) (transaction-local):
-- the tenant's id for a tenant's call, `system` for the `system_*` methods. Unset or empty,
-- every policy fails closed (no rows, no writes).

-- The application role: cluster-wide, so created once by whichever installation comes first
-- (parallel first opens race here; the loser finds it there).
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'kyoyu_app') THEN
        BEGIN
            CREATE ROLE kyoyu_app NOLOGIN NOSUPERUSER NOINHERIT NOBYPASSRLS;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN
            NULL;
        END;
    END IF;
    IF NOT pg_has_role(current_user, 'kyoyu_app', 'MEMBER') THEN
        BEGIN
            GRANT kyoyu_app TO CURRENT_USER;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN
            NULL;
        END;
    END IF;
    EXECUTE format('GRANT USAGE ON SCHEMA %I TO kyoyu_app', current_schema());
END
$$;

-- The scope of the current transaction. STABLE: evaluated once per statement, usable in index
-- conditions. A value that is not an id gives NULL, which matches no row.
CREATE FUNCTION kyoyu_tenant() RETURNS bigint
LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN current_setting('kyoyu.tenant', true) ~ '^[0-9]{1,18}$'
                THEN current_setting('kyoyu.tenant', true)::bigint END
$$;

CREATE FUNCTION kyoyu_is_system() RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT coalesce(current_setting('kyoyu.tenant', true) = 'system', false)
$$;

CREATE TABLE orgs (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name TEXT COLLATE "C" NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    created TIMESTAMPTZ NOT NULL
);

CREATE TABLE tokens (
    id TEXT COLLATE "C" PRIMARY KEY,
    org BIGINT NOT NULL REFERENCES orgs (id),
    role TEXT NOT NULL,
    label TEXT NOT NULL,
    hash TEXT NOT NULL,
    created TIMESTAMPTZ NOT NULL,
    revoked TIMESTAMPTZ
);
CREATE INDEX tokens_org ON tokens (org);

CREATE TABLE incidents (
    tenant BIGINT NOT NULL REFERENCES orgs (id),
    id TEXT COLLATE "C" NOT NULL,
    version BIGINT NOT NULL,
    header TEXT NOT NULL,
    created TIMESTAMPTZ NOT NULL,
    updated TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant, id)
);

-- One row per entry of an appendable part (`items`, `timeline`, `approvals`), in order.
CREATE TABLE incident_entries (
    tenant BIGINT NOT NULL,
    incident TEXT COLLATE "C" NOT NULL,
    part TEXT COLLATE "C" NOT NULL,
    position BIGINT NOT NULL,
    json TEXT NOT NULL,
    PRIMARY KEY (tenant, incident, part, position),
    FOREIGN KEY (tenant, incident) REFERENCES incidents (tenant, id)
);

-- The victim lets the vendor act for it (M10).
CREATE TABLE consents (
    victim BIGINT NOT NULL REFERENCES orgs (id),
    vendor BIGINT NOT NULL REFERENCES orgs (id),
    created TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (victim, vendor)
);
CREATE INDEX consents_vendor ON consents (vendor);

CREATE TABLE communities (
    id TEXT COLLATE "C" PRIMARY KEY,
    owner BIGINT NOT NULL REFERENCES orgs (id),
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    kind TEXT NOT NULL,
    max_tlp TEXT NOT NULL,
    created TIMESTAMPTZ NOT NULL
);
CREATE INDEX communities_owner ON communities (owner);

CREATE TABLE memberships (
    community TEXT COLLATE "C" NOT NULL REFERENCES communities (id),
    org BIGINT NOT NULL REFERENCES orgs (id),
    created TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (community, org)
);
CREATE INDEX memberships_org ON memberships (org);

-- STIX objects in TAXII collections (a collection is a community). `seq` is an identity column:
-- a sequence never hands a value out twice, even after the newest row is deleted, because it is
-- the paging cursor clients hold. `date_added` is unique and strictly increasing with `seq`
-- (object writes serialize on the stix_clock row; see objects.rs). Versions compare as text in
-- byte order (COLLATE "C"), as SQLite and Rust compare them.
CREATE TABLE stix_objects (
    seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    collection TEXT COLLATE "C" NOT NULL REFERENCES communities (id),
    id TEXT COLLATE "C" NOT NULL,
    type TEXT COLLATE "C" NOT NULL,
    spec_version TEXT COLLATE "C" NOT NULL,
    version TEXT COLLATE "C" NOT NULL,
    date_added TIMESTAMPTZ NOT NULL,
    tlp TEXT,
    audience BIGINT[] NOT NULL,
    submitter BIGINT,
    is_latest BOOLEAN NOT NULL,
    json TEXT NOT NULL,
    UNIQUE (collection, id, version)
);
CREATE INDEX stix_objects_collection_seq ON stix_objects (collection, seq);
-- `match[version]=last` (the TAXII default) walks only the newest versions, in seq order.
CREATE INDEX stix_objects_latest ON stix_objects (collection, seq) WHERE is_latest;
-- `added_after` becomes a seq bound through this index (date_added grows with seq).
CREATE UNIQUE INDEX stix_objects_date_added ON stix_objects (date_added);

-- The newest date_added ever handed out (NULL before the first object). Its one row is also the
-- lock every object write takes first (SELECT … FOR UPDATE), so seq and date_added are handed
-- out in commit order.
CREATE TABLE stix_clock (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    last_date_added TIMESTAMPTZ
);
INSERT INTO stix_clock (id, last_date_added) VALUES (1, NULL);

-- TAXII status resources: the outcome of one POST, seen only by the tenant that posted.
CREATE TABLE statuses (
    id TEXT COLLATE "C" PRIMARY KEY,
    tenant BIGINT NOT NULL REFERENCES orgs (id),
    collection TEXT NOT NULL,
    status TEXT NOT NULL,
    request_timestamp TIMESTAMPTZ NOT NULL,
    successes TEXT NOT NULL,
    failures TEXT NOT NULL
);
-- Status resources expire (kyoyu_store::STATUS_RETENTION): found and removed by their time.
CREATE INDEX statuses_by_time ON statuses (request_timestamp);

-- The hash-chained audit log (see kyoyu_store::audit). No foreign keys: the log outlives what
-- it describes. Append-only: the trigger refuses every UPDATE and DELETE (and the application
-- role has neither privilege).
CREATE TABLE audit_log (
    seq BIGINT PRIMARY KEY,
    at TIMESTAMPTZ NOT NULL,
    tenant BIGINT,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_log_tenant_seq ON audit_log (tenant, seq);

CREATE FUNCTION audit_log_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only';
END
$$;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();

-- The chain's append point: the newest entry's seq and hash in one row. An append locks it
-- (SELECT … FOR UPDATE) in the transaction of the change it records, so concurrent writers —
-- in one process or many — queue on it and no two entries claim the same predecessor.
CREATE TABLE audit_head (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

-- Membership tests for the policies on communities, memberships and objects. SECURITY DEFINER
-- (they run as the schema's owner, who bypasses row security): a policy on communities that
-- read memberships under memberships' own policy, which reads communities, would recurse.
-- They answer only for the current tenant, and only yes or no. Arguments are referred to as
-- `$1`: in an SQL function a column of the same name would win over the argument's name.
CREATE FUNCTION kyoyu_owns(community TEXT) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path FROM CURRENT AS $$
    SELECT EXISTS (SELECT 1 FROM communities c WHERE c.id = $1 AND c.owner = kyoyu_tenant())
$$;

CREATE FUNCTION kyoyu_is_member(community TEXT) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path FROM CURRENT AS $$
    SELECT EXISTS (
        SELECT 1 FROM memberships m WHERE m.community = $1 AND m.org = kyoyu_tenant()
    )
$$;

-- Removes every status resource older than $1, whoever posted it: housekeeping, run by the next
-- POST of any tenant (under the policy a tenant could only delete its own, and a tenant that
-- never posts again would keep its statuses for good). Returns nothing it removed. Whatever the
-- caller passes, nothing younger than the retention (kyoyu_store::STATUS_RETENTION, 7 days, by
-- the database's clock) goes: a statement that reached this function with another time cannot
-- take another tenant's fresh statuses. A change of the retention is a new migration.
CREATE FUNCTION kyoyu_expire_statuses(before TIMESTAMPTZ) RETURNS void
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path FROM CURRENT AS $$
    DELETE FROM statuses WHERE request_timestamp < least($1, now() - interval '7 days')
$$;

REVOKE ALL ON FUNCTION kyoyu_owns(TEXT), kyoyu_is_member(TEXT),
    kyoyu_expire_statuses(TIMESTAMPTZ) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION kyoyu_tenant(), kyoyu_is_system(), kyoyu_owns(TEXT),
    kyoyu_is_member(TEXT), kyoyu_expire_statuses(TIMESTAMPTZ) TO kyoyu_app;

-- What the application role may do at all; the policies then say on which rows.
GRANT SELECT, INSERT ON orgs TO kyoyu_app;
GRANT SELECT, INSERT, UPDATE ON tokens TO kyoyu_app;
GRANT SELECT, INSERT, UPDATE ON incidents TO kyoyu_app;
GRANT SELECT, INSERT ON incident_entries TO kyoyu_app;
GRANT SELECT, INSERT, DELETE ON consents TO kyoyu_app;
GRANT SELECT, INSERT ON communities TO kyoyu_app;
GRANT SELECT, INSERT, DELETE ON memberships TO kyoyu_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON stix_objects TO kyoyu_app;
GRANT SELECT, UPDATE ON stix_clock TO kyoyu_app;
GRANT SELECT, INSERT ON statuses TO kyoyu_app;
GRANT SELECT, INSERT ON audit_log TO kyoyu_app;
GRANT SELECT, UPDATE ON audit_head TO kyoyu_app;

-- Row-level security on every table that holds a tenant's data. stix_clock and audit_head hold
-- none (a time and the head's seq and hash) and are shared by every writer.
ALTER TABLE orgs ENABLE ROW LEVEL SECURITY;
ALTER TABLE tokens ENABLE ROW LEVEL SECURITY;
ALTER TABLE incidents ENABLE ROW LEVEL SECURITY;
ALTER TABLE incident_entries ENABLE ROW LEVEL SECURITY;
ALTER TABLE consents ENABLE ROW LEVEL SECURITY;
ALTER TABLE communities ENABLE ROW LEVEL SECURITY;
ALTER TABLE memberships ENABLE ROW LEVEL SECURITY;
ALTER TABLE stix_objects ENABLE ROW LEVEL SECURITY;
ALTER TABLE statuses ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_log ENABLE ROW LEVEL SECURITY;

-- The registry: a tenant sees its own organization; only the system creates them. (Foreign key
-- checks bypass row security, so a membership or consent naming another organization is still
-- checked against the whole table.)
CREATE POLICY orgs_read ON orgs FOR SELECT TO kyoyu_app
    USING (kyoyu_is_system() OR id = kyoyu_tenant());
CREATE POLICY orgs_create ON orgs FOR INSERT TO kyoyu_app
    WITH CHECK (kyoyu_is_system());

CREATE POLICY tokens_read ON tokens FOR SELECT TO kyoyu_app
    USING (kyoyu_is_system() OR org = kyoyu_tenant());
CREATE POLICY tokens_create ON tokens FOR INSERT TO kyoyu_app
    WITH CHECK (kyoyu_is_system());
CREATE POLICY tokens_revoke ON tokens FOR UPDATE TO kyoyu_app
    USING (org = kyoyu_tenant()) WITH CHECK (org = kyoyu_tenant());

CREATE POLICY incidents_own ON incidents FOR ALL TO kyoyu_app
    USING (tenant = kyoyu_tenant()) WITH CHECK (tenant = kyoyu_tenant());
CREATE POLICY incident_entries_own ON incident_entries FOR ALL TO kyoyu_app
    USING (tenant = kyoyu_tenant()) WITH CHECK (tenant = kyoyu_tenant());

-- The victim's consent is seen by the victim and by the vendor it names; only the victim
-- grants and withdraws it.
CREATE POLICY consents_read ON consents FOR SELECT TO kyoyu_app
    USING (victim = kyoyu_tenant() OR vendor = kyoyu_tenant());
CREATE POLICY consents_grant ON consents FOR INSERT TO kyoyu_app
    WITH CHECK (victim = kyoyu_tenant());
CREATE POLICY consents_withdraw ON consents FOR DELETE TO kyoyu_app
    USING (victim = kyoyu_tenant());

-- A community is seen by its owner and its members; created only by its owner.
CREATE POLICY communities_read ON communities FOR SELECT TO kyoyu_app
    USING (owner = kyoyu_tenant() OR kyoyu_is_member(id));
CREATE POLICY communities_create ON communities FOR INSERT TO kyoyu_app
    WITH CHECK (owner = kyoyu_tenant());

-- A membership is seen by the member and the community's owner; managed by the owner.
CREATE POLICY memberships_read ON memberships FOR SELECT TO kyoyu_app
    USING (org = kyoyu_tenant() OR kyoyu_owns(community));
CREATE POLICY memberships_add ON memberships FOR INSERT TO kyoyu_app
    WITH CHECK (kyoyu_owns(community));
CREATE POLICY memberships_remove ON memberships FOR DELETE TO kyoyu_app
    USING (kyoyu_owns(community));

-- A collection's objects are seen by its owner and members (the egress gate then decides per
-- object what leaves); a new row is the tenant's own; versions are re-marked (is_latest) by
-- whoever may add one; only the owner deletes.
CREATE POLICY stix_objects_read ON stix_objects FOR SELECT TO kyoyu_app
    USING (kyoyu_owns(collection) OR kyoyu_is_member(collection));
CREATE POLICY stix_objects_add ON stix_objects FOR INSERT TO kyoyu_app
    WITH CHECK (submitter = kyoyu_tenant()
                AND (kyoyu_owns(collection) OR kyoyu_is_member(collection)));
CREATE POLICY stix_objects_mark ON stix_objects FOR UPDATE TO kyoyu_app
    USING (kyoyu_owns(collection) OR kyoyu_is_member(collection))
    WITH CHECK (kyoyu_owns(collection) OR kyoyu_is_member(collection));
CREATE POLICY stix_objects_delete ON stix_objects FOR DELETE TO kyoyu_app
    USING (kyoyu_owns(collection));

CREATE POLICY statuses_own ON statuses FOR ALL TO kyoyu_app
    USING (tenant = kyoyu_tenant()) WITH CHECK (tenant = kyoyu_tenant());

-- A tenant reads and appends its own entries; the system (the registry, `kyoyu audit verify`)
-- reads and appends any.
CREATE POLICY audit_log_read ON audit_log FOR SELECT TO kyoyu_app
    USING (kyoyu_is_system() OR tenant = kyoyu_tenant());
CREATE POLICY audit_log_append ON audit_log FOR INSERT TO kyoyu_app
    WITH CHECK (kyoyu_is_system() OR tenant = kyoyu_tenant());
