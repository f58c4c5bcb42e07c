-- Idempotency keys (kyoyu_store::RequestKey), scoped to the calling organization: claimed by a
-- request's first audit entry in the transaction of its change, the response saved after it.
CREATE TABLE idempotency_keys (
    org BIGINT NOT NULL REFERENCES orgs (id),
    key TEXT COLLATE "C" NOT NULL,
    fingerprint TEXT NOT NULL,
    request TEXT NOT NULL,
    created TIMESTAMPTZ NOT NULL,
    status INTEGER,
    content_type TEXT,
    body TEXT,
    PRIMARY KEY (org, key)
);
CREATE INDEX idempotency_keys_by_time ON idempotency_keys (org, created);

GRANT SELECT, UPDATE, DELETE ON idempotency_keys TO kyoyu_app;
ALTER TABLE idempotency_keys ENABLE ROW LEVEL SECURITY;
-- The organization reads, saves into and expires its own keys.
CREATE POLICY idempotency_keys_own ON idempotency_keys FOR ALL TO kyoyu_app
    USING (org = kyoyu_tenant()) WITH CHECK (org = kyoyu_tenant());

-- The claim runs in the transaction of the change, whose scope is the tenant acted for — for a
-- vendor acting under a victim's consent (M10) the victim, not the caller that owns the key. So
-- it is a function of the owner: insert the caller's key or, when it is there, return the
-- request that holds it (the caller compares). A concurrent claim of the same key waits on the
-- primary key until the first commits or rolls back. Callable only inside a tenant's scope.
CREATE FUNCTION kyoyu_claim_key(owner BIGINT, claimed TEXT, print TEXT, requested TEXT)
RETURNS TEXT
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
    holder TEXT;
BEGIN
    IF kyoyu_tenant() IS NULL THEN
        RAISE EXCEPTION 'an idempotency key is claimed in a tenant''s transaction only';
    END IF;
    INSERT INTO idempotency_keys (org, key, fingerprint, request, created)
        VALUES (owner, claimed, print, requested, now())
        ON CONFLICT (org, key) DO NOTHING;
    SELECT request INTO holder FROM idempotency_keys WHERE org = owner AND key = claimed;
    RETURN holder;
END
$$;
REVOKE ALL ON FUNCTION kyoyu_claim_key(BIGINT, TEXT, TEXT, TEXT) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION kyoyu_claim_key(BIGINT, TEXT, TEXT, TEXT) TO kyoyu_app;
