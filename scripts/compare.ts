/**
 * `npm run compare -- --resource POP-PERSON --in claims.csv --out results.csv [--purpose 低保核对] …`
 *
 * Streams a CSV of claims through the gateway's `@compare` fields in batches and writes one result
 * row per claim (its 1-based number and the match flags; the claim values are not repeated).
 * Memory stays flat whatever the file size; an interrupted run resumes where its results file ends.
 * See `scripts/compare/args.ts` for the options and exit codes.
 */
import { createReadStream, existsSync, statSync } from 'node:fs';
import { parseCompareArgs, UsageError, USAGE } from './compare/args.ts';
import { inBatches, pipelineInOrder } from './compare/batches.ts';
import { claimReader, InputError } from './compare/claims.ts';
import { CsvError, csvLine, csvRecords } from './compare/csv.ts';
import { createGatewayClient, createSealedGatewayClient, GatewayError, type Claim, type Verification } from './compare/gateway-client.ts';
import { fetchClaimKey } from './compare/claim-key.ts';
import { openResults, OutputError } from './compare/output.ts';
import { createProgress } from './compare/progress.ts';
import { outputHeader } from './compare/resources.ts';

const fail = (message: string) => process.stderr.write(`compare: ${message}\n`);
/** Where the results stand, for the message when a run stops early. */
const status = { output: '', written: 0, started: 0 };

async function main(): Promise<number> {
  const args = parseCompareArgs(process.argv.slice(2), process.env);
  if (args === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const { target } = args;
  if (!existsSync(args.input) || !statSync(args.input).isFile()) throw new InputError(`${args.input}: no such file`);

  const results = await openResults(args.output, outputHeader(target));
  const input = createReadStream(args.input, { encoding: 'utf8' });
  let written = results.done;
  Object.assign(status, { output: args.output, written, started: results.done });
  const progress = createProgress({ totalBytes: statSync(args.input).size, startRows: results.done });
  process.once('SIGINT', () => {
    fail(`interrupted: ${written.toLocaleString('en-US')} rows are in ${args.output}; run the same command again to resume`);
    process.exit(130);
  });

  try {
    const records = csvRecords(input);
    const header = await records.next();
    if (header.done) throw new InputError(`${args.input} is empty: the first row must name the claim fields (${target.claimFields.join(',')})`);
    const toClaim = claimReader(target, header.value, (message) => fail(`warning: ${message}`));
    if (results.done > 0) fail(`resuming: ${results.done.toLocaleString('en-US')} rows already in ${args.output}`);

    let row = 0;
    async function* claims(): AsyncGenerator<{ row: number; claim: Claim }> {
      for await (const record of records) {
        row++;
        if (row <= results.done) continue;
        yield { row, claim: toClaim(record, row) };
      }
    }

    let verify: (claims: readonly Claim[], firstRow: number) => Promise<Verification[]>;
    if (args.plain) {
      verify = createGatewayClient(target, args);
    } else {
      // Sealed (the default): the provider's claim key, verified, before a single claim is sealed.
      const refresh = () => fetchClaimKey({ gateway: args.gateway, token: args.token, resource: target.resource });
      const party = await refresh();
      fail(`sealing claims to ${target.resource}'s claim key ${party.key.kid} (provider ${party.provider}, signed by the gateway): the gateway sees ciphertexts only`);
      verify = createSealedGatewayClient(target, { ...args, party, refresh });
    }
    await pipelineInOrder(inBatches(claims(), args.batch), args.parallel,
      (batch) => verify(batch.map((b) => b.claim), batch[0]!.row),
      (verifications, batch) => {
        let text = '';
        for (let i = 0; i < batch.length; i++) {
          const v = verifications[i]!;
          text += csvLine([batch[i]!.row, ...target.resultFields.map((f) => v[f])]);
        }
        results.append(text); // one write per batch: a kill leaves complete rows and at most one partial line
        written = batch[batch.length - 1]!.row;
        status.written = written;
        progress.update(written, input.bytesRead);
      });
    if (row < results.done) {
      throw new InputError(`${args.output} already has ${results.done.toLocaleString('en-US')} rows but ${args.input} has only ${row.toLocaleString('en-US')} claims: is it the results of another input?`);
    }
    progress.finish(written, input.bytesRead);
    return 0;
  } finally {
    input.destroy();
    results.close();
  }
}

try {
  process.exitCode = await main();
} catch (error) {
  if (error instanceof GatewayError) {
    fail(error.describe());
    if (status.written > status.started) {
      fail(`${status.written.toLocaleString('en-US')} rows are in ${status.output}; run the same command again to resume`);
    }
    process.exitCode = 1;
  } else if (error instanceof UsageError) {
    fail(`${error.message}\n\n${USAGE}`);
    process.exitCode = 2;
  } else if (error instanceof InputError || error instanceof CsvError || error instanceof OutputError) {
    fail(error.message);
    process.exitCode = 2;
  } else {
    fail(`unexpected error: ${(error as Error)?.stack ?? String(error)}`);
    process.exitCode = 1;
  }
}
