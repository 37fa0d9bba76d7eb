CREATE SCHEMA IF NOT EXISTS civil_affairs;
CREATE TABLE IF NOT EXISTS civil_affairs.subsistence_allowance (
  id_number      text PRIMARY KEY,
  status         text NOT NULL,
  since          date,
  monthly_amount numeric(12, 2)
);
-- Registrations of a person in order (seq 0, 1, …); each event appears once per party.
CREATE TABLE IF NOT EXISTS civil_affairs.marriage_registration (
  id_number     text NOT NULL,
  seq           integer NOT NULL,
  kind          text NOT NULL,
  registered_on date NOT NULL,
  spouse        text NOT NULL,
  PRIMARY KEY (id_number, seq)
);
CREATE INDEX IF NOT EXISTS marriage_registration_spouse_idx ON civil_affairs.marriage_registration (spouse);
