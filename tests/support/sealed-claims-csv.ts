/**
 * Writes a claims CSV for the sealed-job memory test in a process of its own, so that the test's process
 * (where the gateway runs) never holds a claim value until it has taken its heap snapshot. Run as
 * `node --import tsx tests/support/sealed-claims-csv.ts <out.csv> <rows>`.
 *
 * Claims are about generated persons of the test data set (the well-known fixtures, which the test's
 * modules load, are left out). Every other row states the person's own name, birth date and address
 * (they match); the others state a name and an address carrying a marker `SEAL` + 12 capital letters,
 * unique to this file, so that a search of a heap snapshot can look for them by pattern as well.
 */
import { randomInt } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { persons, wellKnown } from '../../subgraphs/sample-data/index.ts';
import { csvLine } from '../../scripts/compare/csv.ts';
import { TEST_SAMPLE } from './sample.ts';

const [path, rowsText] = process.argv.slice(2);
const rows = Number(rowsText);
if (!path || !Number.isInteger(rows) || rows < 1) throw new Error('usage: sealed-claims-csv.ts <out.csv> <rows>');
const fixtures = new Set(wellKnown().persons.map((p) => p.idNumber));
const people = [...persons(TEST_SAMPLE)].filter((p) => !fixtures.has(p.idNumber));
const marker = () => `SEAL${Array.from({ length: 12 }, () => String.fromCharCode(65 + randomInt(26))).join('')}`;
const out = createWriteStream(path);
out.write(csvLine(['idNumber', 'name', 'birthDate', 'householdAddress']));
for (let i = 0; i < rows; i++) {
  const p = people[i % people.length]!;
  const marked = i % 2 === 1;
  out.write(csvLine([p.idNumber, marked ? `${p.name}${marker()}` : p.name, p.birthDate, marked ? `${p.householdAddress}${marker()}` : p.householdAddress]));
}
out.end();
await once(out, 'finish');
