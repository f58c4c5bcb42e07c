-- Status resources expire (kyoyu_store::STATUS_RETENTION): found and removed by their time.
CREATE INDEX statuses_by_time ON statuses (request_timestamp);
