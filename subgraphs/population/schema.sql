CREATE SCHEMA IF NOT EXISTS population;
CREATE TABLE IF NOT EXISTS population.person (
  id_number         text PRIMARY KEY,
  name              text NOT NULL,
  gender            text NOT NULL,
  birth_date        date NOT NULL,
  ethnicity         text,
  mobile            text,
  household_address text,
  marital_status    text,
  security_note     text
);
