CREATE SCHEMA IF NOT EXISTS social_security;
CREATE TABLE IF NOT EXISTS social_security.pension (
  id_number   text PRIMARY KEY,
  status      text NOT NULL,
  start_date  date,
  paid_months integer NOT NULL DEFAULT 0,
  employer    text
);
CREATE INDEX IF NOT EXISTS pension_employer_idx ON social_security.pension (employer);
CREATE TABLE IF NOT EXISTS social_security.medical_insurance (
  id_number text PRIMARY KEY,
  status    text NOT NULL,
  category  text
);
CREATE TABLE IF NOT EXISTS social_security.enterprise_insured (
  uscc                   text PRIMARY KEY,
  insured_employee_count integer NOT NULL
);
