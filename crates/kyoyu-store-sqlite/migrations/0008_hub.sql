-- The hub's submissions (kyoyu_store::hub): technical information under the member's
-- pseudonym, days only; the provenance record exists only where the member consented to being
-- named. WITHOUT ROWID: rows are kept in key order (random ids), not in the order they arrived.
CREATE TABLE hub_submissions (
    tenant INTEGER NOT NULL REFERENCES orgs (id),
    id TEXT NOT NULL,
    pseudonym TEXT NOT NULL,
    day INTEGER NOT NULL,
    sector TEXT,
    region TEXT,
    size_band TEXT,
    consent_name INTEGER NOT NULL,
    consent_credit INTEGER NOT NULL,
    indicators TEXT NOT NULL,
    receipt TEXT NOT NULL,
    PRIMARY KEY (tenant, id),
    UNIQUE (tenant, receipt)
) WITHOUT ROWID;

CREATE TABLE hub_provenance (
    tenant INTEGER NOT NULL,
    submission TEXT NOT NULL,
    member INTEGER NOT NULL REFERENCES orgs (id),
    PRIMARY KEY (tenant, submission),
    FOREIGN KEY (tenant, submission) REFERENCES hub_submissions (tenant, id)
) WITHOUT ROWID;
