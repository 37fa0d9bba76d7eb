-- The audit log partitioned by month (UTC, the month a record's `at` text names), so that retention
-- (GOVSHARE_AUDIT_RETENTION_DAYS) drops a month whole once it is archived (gateway/records/audit-retention.ts).
--
-- Same name and columns as 001's table, so every statement on govshare.audit_records still works. A key of
-- a partitioned table must contain the partition key, hence (seq, at): per partition it is a btree led by
-- seq, so a lookup or a range by seq is an index scan in each partition. seq stays unique across them
-- because it is only ever taken from govshare.audit_head under its row lock (or by the compare-and-set
-- that moves it), and the head never goes back: not after a month is dropped either.
ALTER TABLE govshare.audit_records RENAME TO audit_records_v1;
ALTER TABLE govshare.audit_records_v1 RENAME CONSTRAINT audit_records_pkey TO audit_records_v1_pkey;
DROP INDEX govshare.audit_records_at;

CREATE TABLE govshare.audit_records (
  seq    bigint NOT NULL,
  at     timestamptz NOT NULL,
  record jsonb NOT NULL,
  PRIMARY KEY (seq, at)
) PARTITION BY RANGE (at);
CREATE INDEX audit_records_at ON govshare.audit_records USING brin (at);
-- Takes whatever no month partition does (a clock that jumped, a month not created yet), so an append
-- never fails for want of a partition. gateway/records/audit-partitions.ts creates months ahead of time.
CREATE TABLE govshare.audit_records_default PARTITION OF govshare.audit_records DEFAULT;

-- One partition per month the existing records fall in, then the records moved over and 001's table gone.
DO $$
DECLARE
  first_day timestamp;
BEGIN
  FOR first_day IN SELECT DISTINCT date_trunc('month', at AT TIME ZONE 'UTC') FROM govshare.audit_records_v1 LOOP
    EXECUTE format('CREATE TABLE govshare.%I PARTITION OF govshare.audit_records FOR VALUES FROM (%L) TO (%L)',
      to_char(first_day, '"audit_records_y"YYYY"m"MM'),
      to_char(first_day, 'YYYY-MM-DD"T00:00:00Z"'),
      to_char(first_day + interval '1 month', 'YYYY-MM-DD"T00:00:00Z"'));
  END LOOP;
END $$;
INSERT INTO govshare.audit_records (seq, at, record) SELECT seq, at, record FROM govshare.audit_records_v1;
DROP TABLE govshare.audit_records_v1;

-- Months archived and dropped (audit-retention.ts): each row is written in the transaction that drops the
-- month's partition, after its files were written, synced and verified. The last row is where the chain
-- still in the database begins (retainedChainStart).
CREATE TABLE govshare.audit_archives (
  month       text PRIMARY KEY CHECK (month ~ '^[0-9]{4}-[0-9]{2}$'),
  first_seq   bigint NOT NULL,
  last_seq    bigint NOT NULL UNIQUE CHECK (last_seq >= first_seq),
  last_hash   text NOT NULL,
  file        text NOT NULL,
  sha256      text NOT NULL,
  signature   text NOT NULL,
  archived_at timestamptz NOT NULL DEFAULT now()
);
