import { closeSync, createReadStream, existsSync, ftruncateSync, openSync, readSync, statSync, writeSync } from 'node:fs';
import { csvLine } from './csv.ts';

/**
 * The results file, resumable: rows are appended one batch per `write`, so an interrupted run
 * leaves complete lines plus at most one partial line, which the next run cuts off before it
 * counts the rows already answered.
 */
export interface ResultsFile {
  /** Complete result rows already in the file: that many input rows are skipped. */
  readonly done: number;
  /** Appends the rows of one batch in a single write. */
  append(text: string): void;
  close(): void;
}

export class OutputError extends Error {}

export async function openResults(path: string, header: readonly string[]): Promise<ResultsFile> {
  const headerLine = csvLine(header);
  let done = 0;
  let fd: number;
  if (!existsSync(path) || statSync(path).size === 0) {
    fd = openSync(path, 'w');
    writeAll(fd, headerLine);
  } else {
    const { lines, completeBytes, firstLine, lastLine } = await scan(path);
    fd = openSync(path, 'r+');
    if (lines === 0) {
      // Not even the header was completed: start over.
      ftruncateSync(fd, 0);
      writeAll(fd, headerLine, 0);
    } else {
      if (firstLine !== headerLine.trimEnd()) {
        closeSync(fd);
        throw new OutputError(`${path} exists and is not the results file of this comparison (its header is "${firstLine.slice(0, 200)}", expected "${headerLine.trimEnd()}"): remove it or choose another --out`);
      }
      done = lines - 1;
      if (done > 0) {
        const lastRow = Number(lastLine.split(',')[0]);
        if (lastRow !== done) {
          closeSync(fd);
          throw new OutputError(`${path} has ${done} result rows but its last row is numbered ${lastLine.split(',')[0]}: it was not written by this tool; remove it or choose another --out`);
        }
      }
      ftruncateSync(fd, completeBytes);
    }
  }
  let position = statSync(path).size;
  return {
    done,
    append(text: string) {
      position += writeAll(fd, text, position);
    },
    close() { closeSync(fd); },
  };
}

/** Writes all of `text` (one `write` call unless the kernel takes less); returns the bytes written. */
function writeAll(fd: number, text: string, position?: number): number {
  const buffer = Buffer.from(text, 'utf8');
  let offset = 0;
  while (offset < buffer.length) {
    offset += writeSync(fd, buffer, offset, buffer.length - offset, position === undefined ? null : position + offset);
  }
  return buffer.length;
}

/** Streams the file once: complete lines, the byte length they take, the first and the last complete line. */
async function scan(path: string): Promise<{ lines: number; completeBytes: number; firstLine: string; lastLine: string }> {
  let lines = 0;
  let bytes = 0;
  let completeBytes = 0;
  const head: Buffer[] = [];
  let headBytes = 0;
  let headDone = false;
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
    let at = chunk.indexOf(10);
    if (!headDone) {
      const part = at === -1 ? chunk : chunk.subarray(0, at);
      if (headBytes < 4096) { head.push(part); headBytes += part.length; }
      headDone = at !== -1;
    }
    while (at !== -1) {
      lines++;
      completeBytes = bytes + at + 1;
      at = chunk.indexOf(10, at + 1);
    }
    bytes += chunk.length;
  }
  const firstLine = Buffer.concat(head).toString('utf8').replace(/\r$/, '');
  return { lines, completeBytes, firstLine, lastLine: lines > 1 ? lastCompleteLine(path, completeBytes) : firstLine };
}

/** The line that ends at byte `end` (its `\n` at end-1), read backwards in small steps. */
function lastCompleteLine(path: string, end: number): string {
  const fd = openSync(path, 'r');
  try {
    let size = 256;
    for (;;) {
      const start = Math.max(0, end - 1 - size);
      const buffer = Buffer.alloc(end - 1 - start);
      readSync(fd, buffer, 0, buffer.length, start);
      const newline = buffer.lastIndexOf(10);
      if (newline !== -1 || start === 0) return buffer.subarray(newline + 1).toString('utf8').replace(/\r$/, '');
      size *= 4;
    }
  } finally {
    closeSync(fd);
  }
}
