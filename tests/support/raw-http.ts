import { connect } from 'node:net';

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  /** The body as received (chunked transfer decoded). */
  body: string;
  /** Status line, headers and body: what a test searches for leaked values. */
  text: string;
}

/**
 * Sends one HTTP/1.1 request exactly as written (request target, method and headers untouched by any
 * client library: `fetch` would normalise `/./graphql` or refuse an absolute-form target).
 */
export async function rawRequest(port: number, options: {
  method: string; target: string; headers?: Record<string, string>; body?: string;
}): Promise<RawResponse> {
  const body = options.body === undefined ? undefined : Buffer.from(options.body, 'utf8');
  const headers: Record<string, string> = { host: `127.0.0.1:${port}`, connection: 'close', ...options.headers };
  if (body) headers['content-length'] = String(body.length);
  const head = `${options.method} ${options.target} HTTP/1.1\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`;
  const raw = await new Promise<Buffer>((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.setTimeout(10_000, () => socket.destroy(new Error(`no answer to ${options.method} ${options.target}`)));
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('end', () => resolve(Buffer.concat(chunks)));
    socket.on('error', reject);
    socket.write(head);
    if (body) socket.write(body);
  });
  return parseResponse(raw);
}

function parseResponse(raw: Buffer): RawResponse {
  const split = raw.indexOf('\r\n\r\n');
  const headLines = raw.subarray(0, split < 0 ? raw.length : split).toString('latin1').split('\r\n');
  const status = Number(headLines[0]?.split(' ')[1]);
  const headers: Record<string, string> = {};
  for (const line of headLines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  let body = split < 0 ? Buffer.alloc(0) : raw.subarray(split + 4);
  if (headers['transfer-encoding'] === 'chunked') body = dechunk(body);
  return { status, headers, body: body.toString('utf8'), text: raw.toString('utf8') };
}

/** Chunk sizes count bytes, so this works on the bytes, not on decoded text. */
function dechunk(body: Buffer): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const eol = body.indexOf('\r\n', at);
    if (eol < 0) break;
    const size = parseInt(body.subarray(at, eol).toString('latin1'), 16);
    if (!size) break;
    parts.push(body.subarray(eol + 2, eol + 2 + size));
    at = eol + 4 + size;
  }
  return Buffer.concat(parts);
}
