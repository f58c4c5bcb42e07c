-- The hub's submissions (kyoyu_store::hub): technical information under the member's
-- pseudonym, days only; the provenance record exists only where the member consented to being
-- named. Both are the hub's own rows (row security on the tenant), readable whole only in the
-- copy scope.
CREATE TABLE hub_submissions (
    tenant BIGINT NOT NULL REFERENCES orgs (id),
    id TEXT COLLATE "C" NOT NULL,
    pseudonym TEXT COLLATE "C" NOT NULL,
    day BIGINT NOT NULL,
    sector TEXT,
    region TEXT,
    size_band TEXT,
    consent_name BOOLEAN NOT NULL,
    consent_credit BOOLEAN NOT NULL,
    indicators TEXT NOT NULL,
    receipt TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (tenant, id),
    UNIQUE (tenant, receipt)
);

CREATE TABLE hub_provenance (
    tenant BIGINT NOT NULL,
    submission TEXT COLLATE "C" NOT NULL,
    member BIGINT NOT NULL REFERENCES orgs (id),
    PRIMARY KEY (tenant, submission),
    FOREIGN KEY (tenant, submission) REFERENCES hub_submissions (tenant, id)
);

GRANT SELECT, INSERT ON hub_submissions, hub_provenance TO kyoyu_app;
ALTER TABLE hub_submissions ENABLE ROW LEVEL SECURITY;
ALTER TABLE hub_provenance ENABLE ROW LEVEL SECURITY;
CREATE POLICY hub_submissions_own ON hub_submissions FOR ALL TO kyoyu_app
    USING (tenant = kyoyu_tenant()) WITH CHECK (tenant = kyoyu_tenant());
CREATE POLICY hub_provenance_own ON hub_provenance FOR ALL TO kyoyu_app
    USING (tenant = kyoyu_tenant()) WITH CHECK (tenant = kyoyu_tenant());
CREATE POLICY hub_submissions_copy_read ON hub_submissions FOR SELECT TO kyoyu_app
    USING (kyoyu_is_copy());
CREATE POLICY hub_submissions_copy_write ON hub_submissions FOR INSERT TO kyoyu_app
    WITH CHECK (kyoyu_is_copy());
CREATE POLICY hub_provenance_copy_read ON hub_provenance FOR SELECT TO kyoyu_app
    USING (kyoyu_is_copy());
CREATE POLICY hub_provenance_copy_write ON hub_provenance FOR INSERT TO kyoyu_app
    WITH CHECK (kyoyu_is_copy());
