/**
 * RFC 4180 CSV, streamed: records are parsed chunk by chunk (quoted fields may hold commas,
 * quotes written as `""`, and line breaks), so a file of any size is read with flat memory.
 */

/** Line terminator of the files we write (RFC 4180). */
export const CSV_EOL = '\r\n';

const START = 0;     // at the start of a field
const UNQUOTED = 1;  // inside an unquoted field (or after a quoted field's closing quote)
const QUOTED = 2;    // inside a quoted field
const QUOTE = 3;     // saw `"` inside a quoted field: an escaped quote or the closing one

/**
 * The records of a CSV text delivered in string chunks (a `utf8` read stream). A leading BOM is
 * dropped, CRLF and LF both end a record, blank lines are skipped. Lenient where RFC 4180 is
 * silent: text after a closing quote is appended to the field, a quote inside an unquoted field
 * is kept as is.
 */
export async function* csvRecords(chunks: AsyncIterable<string>): AsyncGenerator<string[]> {
  let fields: string[] = [];
  let field = '';
  let state = START;
  let first = true;
  for await (let chunk of chunks) {
    if (first) {
      if (chunk.charCodeAt(0) === 0xfeff) chunk = chunk.slice(1);
      first = false;
    }
    const ready: string[][] = [];
    const n = chunk.length;
    let i = 0;
    while (i < n) {
      if (state === QUOTED) {
        const q = chunk.indexOf('"', i);
        if (q === -1) { field += chunk.slice(i); i = n; break; }
        field += chunk.slice(i, q);
        i = q + 1;
        state = QUOTE;
        continue;
      }
      if (state === QUOTE) {
        if (chunk.charCodeAt(i) === 34) { field += '"'; i++; state = QUOTED; } else state = UNQUOTED;
        continue;
      }
      if (state === START && chunk.charCodeAt(i) === 34) { state = QUOTED; i++; continue; }
      let j = i;
      while (j < n) {
        const c = chunk.charCodeAt(j);
        if (c === 44 || c === 10 || c === 13) break;
        j++;
      }
      if (j > i) { field += chunk.slice(i, j); state = UNQUOTED; }
      if (j === n) break;
      const c = chunk.charCodeAt(j);
      i = j + 1;
      if (c === 44) { // ,
        fields.push(field);
        field = '';
        state = START;
      } else if (c === 10) { // \n ends the record; a blank line is no record
        if (fields.length > 0 || state !== START) {
          fields.push(field);
          ready.push(fields);
        }
        fields = [];
        field = '';
        state = START;
      }
      // \r outside quotes: dropped (CRLF ends the record at its \n)
    }
    for (const record of ready) yield record;
  }
  if (state === QUOTED) throw new CsvError('the file ends inside a quoted field (a closing " is missing)');
  if (fields.length > 0 || state !== START) {
    fields.push(field);
    yield fields;
  }
}

export class CsvError extends Error {}

/** One field as RFC 4180 writes it: quoted when it holds a comma, a quote or a line break. `null` is empty. */
export function csvField(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return '';
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One record with its line terminator. */
export function csvLine(values: ReadonlyArray<string | number | boolean | null | undefined>): string {
  let line = '';
  for (let i = 0; i < values.length; i++) line += (i === 0 ? '' : ',') + csvField(values[i]);
  return line + CSV_EOL;
}
