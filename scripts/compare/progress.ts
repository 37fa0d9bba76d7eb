/**
 * A progress bar on stderr. The input is streamed, so progress is measured in bytes of the input
 * read; rows and rows/s are counted as results are written. On a terminal the bar redraws in
 * place (at most 10 times a second); otherwise a plain line is printed every few seconds.
 */
export interface Progress {
  update(rowsDone: number, bytesRead: number): void;
  finish(rowsDone: number, bytesRead: number): void;
}

export function createProgress(options: { totalBytes: number; startRows: number; stream?: NodeJS.WriteStream; width?: number }): Progress {
  const { totalBytes, startRows, stream = process.stderr, width = 30 } = options;
  const tty = Boolean(stream.isTTY);
  const started = performance.now();
  let lastDrawn = 0;

  const line = (rows: number, bytes: number) => {
    const fraction = totalBytes > 0 ? Math.min(1, bytes / totalBytes) : 1;
    const filled = Math.round(fraction * width);
    const seconds = (performance.now() - started) / 1000;
    const rate = seconds > 0 ? (rows - startRows) / seconds : 0;
    const eta = fraction > 0 && fraction < 1 && seconds > 0.5 ? ` ETA ${formatDuration(seconds * (1 - fraction) / fraction)}` : '';
    const resumed = startRows > 0 ? ` (resumed after ${startRows.toLocaleString('en-US')})` : '';
    return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(fraction * 100).toFixed(1).padStart(5)}% `
      + `${rows.toLocaleString('en-US')} rows${resumed}, ${Math.round(rate).toLocaleString('en-US')} rows/s${eta}`;
  };

  return {
    update(rows, bytes) {
      const now = performance.now();
      if (now - lastDrawn < (tty ? 100 : 5000)) return;
      lastDrawn = now;
      stream.write(tty ? `\r${line(rows, bytes)}\x1b[K` : `${line(rows, bytes)}\n`);
    },
    finish(rows, bytes) {
      const seconds = (performance.now() - started) / 1000;
      stream.write(`${tty ? '\r' : ''}${line(rows, bytes)}${tty ? '\x1b[K' : ''}\n`);
      stream.write(`done: ${(rows - startRows).toLocaleString('en-US')} rows compared in ${formatDuration(seconds)}, ${rows.toLocaleString('en-US')} rows in the results\n`);
    },
  };
}

function formatDuration(seconds: number): string {
  if (seconds < 60) return `${seconds.toFixed(1)}s`;
  const m = Math.floor(seconds / 60);
  return m < 60 ? `${m}m${String(Math.round(seconds % 60)).padStart(2, '0')}s` : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}
