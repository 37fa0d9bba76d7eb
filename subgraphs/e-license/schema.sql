CREATE SCHEMA IF NOT EXISTS e_license;
CREATE TABLE IF NOT EXISTS e_license.license (
  id                text PRIMARY KEY,
  type              text NOT NULL,
  number            text,
  title             text,
  issuer            text,
  issued_on         date,
  valid_until       date,
  status            text NOT NULL,
  holder_enterprise text,
  holder_person     text,
  -- A licence has exactly one holder: an enterprise or a person.
  CHECK ((holder_enterprise IS NULL) <> (holder_person IS NULL))
);
CREATE INDEX IF NOT EXISTS license_holder_enterprise_idx ON e_license.license (holder_enterprise);
CREATE INDEX IF NOT EXISTS license_holder_person_idx ON e_license.license (holder_person);
