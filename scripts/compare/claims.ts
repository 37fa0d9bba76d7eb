import type { CompareTarget } from './resources.ts';
import type { Claim } from './gateway-client.ts';

export class InputError extends Error {}

/**
 * Turns CSV records into claims by the header row: each known column becomes the claim field of
 * that name; an empty cell is left out (not compared); unknown columns are reported and ignored.
 */
export function claimReader(target: CompareTarget, header: readonly string[], warn: (message: string) => void) {
  const names = header.map((h) => h.trim());
  const key = target.claimFields[0]!;
  if (!names.includes(key)) {
    throw new InputError(`the header row (${names.join(',')}) has no "${key}" column; ${target.resource} claims have ${target.claimFields.join(', ')}`);
  }
  const columns: Array<[number, string]> = [];
  const seen = new Set<string>();
  names.forEach((name, i) => {
    if (!target.claimFields.includes(name)) return;
    if (seen.has(name)) throw new InputError(`the header row names "${name}" twice`);
    seen.add(name);
    columns.push([i, name]);
  });
  const unknown = names.filter((n) => !target.claimFields.includes(n));
  if (unknown.length > 0) warn(`ignoring column(s) ${unknown.map((n) => `"${n}"`).join(', ')}: ${target.resource} claims have ${target.claimFields.join(', ')}`);

  return (record: readonly string[], row: number): Claim => {
    if (record.length > names.length) {
      throw new InputError(`row ${row} has ${record.length} fields but the header has ${names.length}: quote a value that contains a comma ("…")`);
    }
    const claim: Claim = {};
    for (const [i, name] of columns) {
      const value = record[i] ?? '';
      if (name === key) claim[name] = value;
      else if (value.trim() !== '') claim[name] = value;
    }
    return claim;
  };
}
