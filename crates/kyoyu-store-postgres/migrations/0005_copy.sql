-- The copy scope (`kyoyu admin copy-store`, kyoyu_store::copy): a transaction whose kyoyu.tenant
-- is `copy` reads and writes every table whole — the only way rows keep their ids, owners and
-- hashes across a move between stores. No other call sets this scope: tenants' calls set their
-- id, the registry and the queue `system`, and neither of them gains anything here.

CREATE FUNCTION kyoyu_is_copy() RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT coalesce(current_setting('kyoyu.tenant', true) = 'copy', false)
$$;

-- The identity columns a copy carries over, by table.
CREATE FUNCTION kyoyu_copy_identity_column(tbl TEXT) RETURNS TEXT
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE $1 WHEN 'orgs' THEN 'id' WHEN 'stix_objects' THEN 'seq' WHEN 'jobs' THEN 'id' END
$$;

-- The sequence of the table's identity, in the copy scope only (an error in any other).
CREATE FUNCTION kyoyu_copy_sequence(tbl TEXT) RETURNS TEXT
LANGUAGE plpgsql STABLE AS $$
BEGIN
    IF NOT kyoyu_is_copy() OR kyoyu_copy_identity_column($1) IS NULL THEN
        RAISE EXCEPTION 'identities are read and set only in the copy scope '
                        '(kyoyu admin copy-store), for orgs, stix_objects or jobs';
    END IF;
    RETURN pg_get_serial_sequence($1, kyoyu_copy_identity_column($1));
END
$$;

-- The highest id the table's identity has handed out (0 for none): reading a sequence needs a
-- privilege on it that kyoyu_app does not have, so this runs as the owner.
CREATE FUNCTION kyoyu_copy_identity(tbl TEXT) RETURNS bigint
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
    handed_out bigint;
BEGIN
    EXECUTE format('SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END FROM %s',
                   kyoyu_copy_sequence($1))
        INTO handed_out;
    RETURN handed_out;
END
$$;

-- Makes the table's identity continue above `handed_out` and above every id in the table, so
-- rows added after a copy never take a copied id (or a deleted one a client may still hold as
-- a paging cursor). Setting a sequence needs its owner: SECURITY DEFINER.
CREATE FUNCTION kyoyu_copy_set_identity(tbl TEXT, handed_out bigint) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
    sequence TEXT := kyoyu_copy_sequence($1);
    top bigint;
BEGIN
    EXECUTE format('SELECT coalesce(max(%I), 0) FROM %I', kyoyu_copy_identity_column($1), $1)
        INTO top;
    top := greatest(top, $2);
    IF top > 0 THEN
        PERFORM setval(sequence, top, true);
    END IF;
END
$$;

REVOKE ALL ON FUNCTION kyoyu_copy_sequence(TEXT), kyoyu_copy_identity(TEXT),
    kyoyu_copy_set_identity(TEXT, bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION kyoyu_is_copy(), kyoyu_copy_identity_column(TEXT),
    kyoyu_copy_identity(TEXT), kyoyu_copy_set_identity(TEXT, bigint) TO kyoyu_app;

-- Every table: read whole and written as given in the copy scope (the grants of 0001 and 0002
-- already allow SELECT and INSERT; these policies say on which rows): <table>_copy_read and
-- <table>_copy_write.
DO $$
DECLARE
    tbl TEXT;
BEGIN
    FOREACH tbl IN ARRAY ARRAY['orgs', 'tokens', 'incidents', 'incident_entries', 'consents',
                               'communities', 'memberships', 'stix_objects', 'statuses',
                               'audit_log', 'jobs', 'schedules', 'idempotency_keys'] LOOP
        EXECUTE format('CREATE POLICY %I ON %I FOR SELECT TO kyoyu_app USING (kyoyu_is_copy())',
                       tbl || '_copy_read', tbl);
        EXECUTE format('CREATE POLICY %I ON %I FOR INSERT TO kyoyu_app WITH CHECK (kyoyu_is_copy())',
                       tbl || '_copy_write', tbl);
    END LOOP;
END
$$;
-- Idempotency keys are otherwise inserted only through kyoyu_claim_key (0004); the copy writes
-- them as rows.
GRANT INSERT ON idempotency_keys TO kyoyu_app;
