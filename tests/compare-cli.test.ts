import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendFileSync, createWriteStream, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testToken } from './support/tokens.ts';
import { persons } from '../subgraphs/sample-data/index.ts';
import { csvLine, csvRecords } from '../scripts/compare/csv.ts';
import { startStack, type Stack } from './support/stack.ts';
import { grant } from './support/grants.ts';
import { spawnScript, waitFor } from './support/processes.ts';
import { WELL_KNOWN, personById } from './support/fixtures.ts';
import { TEST_SAMPLE } from './support/sample.ts';

const ZHANG = '43010219850312123X';
const zhang = personById(ZHANG);
const ROWS = 50_000;
const CONSUMER = 'civil-affairs';

describe('CSV (scripts/compare/csv.ts)', () => {
  const parse = async (...chunks: string[]) => {
    const out: string[][] = [];
    for await (const r of csvRecords((async function* () { yield* chunks; })())) out.push(r);
    return out;
  };

  it('reads RFC 4180: quoted commas, doubled quotes, line breaks, CRLF, BOM, blank lines, any chunking', async () => {
    const text = '\uFEFFa,b,c\r\n"x,1","say ""hi""","two\r\nlines"\r\n\r\n,,\nlast,"",end';
    const expected = [['a', 'b', 'c'], ['x,1', 'say "hi"', 'two\r\nlines'], ['', '', ''], ['last', '', 'end']];
    expect(await parse(text)).toEqual(expected);
    // Every split point, including inside quotes and between \r and \n.
    for (let i = 1; i < text.length; i++) expect(await parse(text.slice(0, i), text.slice(i))).toEqual(expected);
  });

  it('writes what it reads', async () => {
    const values = ['欧阳,娜娜', 'a "quoted" name', 'line\nbreak', 'plain', ''];
    expect(csvLine(values)).toBe('"欧阳,娜娜","a ""quoted"" name","line\nbreak",plain,\r\n');
    expect(await parse(csvLine(values))).toEqual([values]);
  });
});

describe('npm run compare (the streaming CLI)', () => {
  let stack: Stack;
  let dir: string;
  let input: string;
  let token: string;
  beforeAll(async () => {
    stack = await startStack();
    await grant(stack, CONSUMER, ['Query.verifyPersons', 'Query.verifyPropertyOwnership'], { purpose: '低保核对' });
    token = await testToken(CONSUMER);
    dir = mkdtempSync(join(tmpdir(), 'govshare-compare-'));
    input = join(dir, 'claims.csv');
    await writeClaims(input);
  });
  afterAll(async () => {
    await stack?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** Row 1 exact, 2 absent, 3 a name with a comma and quotes, 4 key only, 5 lowercase x; then generated persons with every 10th name wrong. */
  async function writeClaims(path: string) {
    const out = createWriteStream(path);
    out.write(csvLine(['idNumber', 'name', 'birthDate', 'householdAddress']));
    out.write(csvLine([ZHANG, zhang.name, zhang.birthDate, zhang.householdAddress]));
    out.write(csvLine([WELL_KNOWN.absentPersons[0], zhang.name, zhang.birthDate, '']));
    out.write(csvLine([ZHANG, '张,"伟"', '1985年3月12日', '']));
    out.write(csvLine([ZHANG, '', '', '']));
    out.write(csvLine([ZHANG.toLowerCase(), zhang.name, '19850312', zhang.householdAddress]));
    const people = [...persons(TEST_SAMPLE)];
    for (let i = 5; i < ROWS; i++) {
      const p = people[i % people.length]!;
      const line = csvLine([p.idNumber, i % 10 === 0 ? `${p.name}x` : p.name, p.birthDate, p.householdAddress]);
      if (!out.write(line)) await once(out, 'drain');
    }
    out.end();
    await once(out, 'finish');
  }

  const run = (output: string, extra: string[] = [], env: Record<string, string> = { GOVSHARE_TOKEN: token }) => spawnScript('scripts/compare.ts',
    ['--resource', 'POP-PERSON', '--in', input, '--out', output, '--gateway', stack.gatewayUrl, '--purpose', '低保核对', '--batch', '2500', ...extra], env);

  let uninterrupted = '';

  it('compares a 50,000-row file, one result row per claim', async () => {
    const output = join(dir, 'results.csv');
    const cli = run(output);
    expect(await cli.exited, cli.output()).toBe(0);
    uninterrupted = readFileSync(output, 'utf8');
    const lines = uninterrupted.split('\r\n');
    expect(lines.pop()).toBe('');
    expect(lines).toHaveLength(ROWS + 1);
    expect(lines.slice(0, 6)).toEqual([
      'row,found,nameMatches,birthDateMatches,addressMatches,limited',
      '1,true,true,true,true,false',
      '2,false,,,,false',
      '3,true,false,true,,false',
      '4,true,,,,false',
      '5,true,true,true,true,false',
    ]);
    expect(lines[10]).toBe('10,true,true,true,true,false'); // generated i = 9
    expect(lines[11]).toBe('11,true,false,true,true,false'); // generated i = 10: a wrong name
    expect(lines[ROWS]).toBe(`${ROWS},true,true,true,true,false`);
    // Each person is claimed with at most two names (right, wrong) many times over: same values, never limited.
    expect(lines.slice(1).every((line) => line.endsWith(',false'))).toBe(true);
    expect(cli.output()).toContain('100.0%');
  });

  it('resumes after being killed and ends with the same bytes', async () => {
    const output = join(dir, 'resumed.csv');
    const first = run(output, ['--batch', '1000', '--parallel', '1']);
    await waitFor(async () => (statSync(output, { throwIfNoEntry: false })?.size ?? 0) > 200_000 || first.child.exitCode !== null, 30_000, 'some results');
    first.child.kill('SIGKILL');
    await first.exited;
    const partial = readFileSync(output, 'utf8');
    expect(partial.length).toBeLessThan(uninterrupted.length);
    // What a kill inside a write could leave: half a line.
    appendFileSync(output, '31337,tr');
    const second = run(output);
    expect(await second.exited, second.output()).toBe(0);
    expect(second.output()).toContain('resuming');
    expect(readFileSync(output, 'utf8')).toBe(uninterrupted);
  });

  it('writes limited=true, the flag empty, for claimed values past the allowance (CONTRACT §5)', async () => {
    const consumer = 'human-resources';
    await grant(stack, consumer, ['Query.verifyPersons'], { purpose: '低保核对' });
    const small = join(dir, 'guesses.csv');
    const guesses = ['张一', '张二', '张三', '张四', zhang.name];
    const out = createWriteStream(small);
    out.write(csvLine(['idNumber', 'name']));
    for (const name of guesses) out.write(csvLine([ZHANG, name]));
    out.end();
    await once(out, 'finish');
    const output = join(dir, 'guesses-results.csv');
    const cli = spawnScript('scripts/compare.ts', ['--resource', 'POP-PERSON', '--in', small, '--out', output, '--gateway', stack.gatewayUrl,
      '--purpose', '低保核对'], { GOVSHARE_TOKEN: await testToken(consumer) });
    expect(await cli.exited, cli.output()).toBe(0);
    expect(readFileSync(output, 'utf8').split('\r\n').slice(1, 6)).toEqual([
      '1,true,false,,,false', '2,true,false,,,false', '3,true,false,,,false', '4,true,,,,true', '5,true,,,,true',
    ]);
  });

  it('stops with the code and the resource to apply for when the department holds no grant', async () => {
    const cli = run(join(dir, 'denied.csv'), [], { GOVSHARE_TOKEN: await testToken('tax') });
    expect(await cli.exited).toBe(1);
    expect(cli.output()).toContain('SHARE_DENIED');
    expect(cli.output()).toContain('POP-PERSON');
    expect(cli.output()).toContain('public-security');
  });
});
