CREATE SCHEMA IF NOT EXISTS credit;
CREATE TABLE IF NOT EXISTS credit.enterprise_credit (
  uscc                text PRIMARY KEY,
  credit_rating       text,
  internal_risk_score integer
);
CREATE TABLE IF NOT EXISTS credit.dishonest_record (
  id           bigserial PRIMARY KEY,
  uscc         text NOT NULL,
  case_number  text NOT NULL,
  court        text,
  published_on date,
  obligation   text
);
CREATE INDEX IF NOT EXISTS dishonest_record_uscc_idx ON credit.dishonest_record (uscc);
CREATE TABLE IF NOT EXISTS credit.dishonest_debtor (
  id_number text PRIMARY KEY
);
