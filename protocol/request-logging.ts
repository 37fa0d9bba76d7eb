import type { FastifyServerOptions } from 'fastify';

/** Where the JSON lines go: stdout in a deployment, a collecting stream in tests. */
export interface LogDestination { write(line: string): void }

/** pino's levels, and `silent`. */
const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = typeof LEVELS[number];

/** `LOG_LEVEL` (default info), checked at start-up naming the variable. */
export function logLevelFromEnv(env: NodeJS.ProcessEnv): LogLevel {
  const value = env.LOG_LEVEL?.trim().toLowerCase();
  if (!value) return 'info';
  if (!(LEVELS as readonly string[]).includes(value)) throw new Error(`LOG_LEVEL: "${env.LOG_LEVEL}" is not one of ${LEVELS.join(', ')}`);
  return value as LogLevel;
}

const CENSOR = '[redacted]';

/**
 * What never reaches a log line: the bearer token, the gateway's signature (a replayable credential
 * for 30 s), cookies, the purpose and operator texts (personal data of the officer and the case), and
 * variables (ID numbers). The request serializer below logs no headers at all; these paths catch
 * anything else handed to the logger under those names, one or two levels deep.
 */
export const REDACTED_PATHS: readonly string[] = [
  'authorization', 'cookie', 'purpose', 'operator', 'variables', 'token', 'signature',
  '*.authorization', '*.cookie', '*.purpose', '*.operator', '*.variables', '*.token', '*.signature',
  '*.headers.authorization', '*.headers.cookie', '*.headers["x-govshare-signature"]', '*.headers["x-share-purpose"]', '*.headers["x-share-operator"]',
  'headers.authorization', 'headers.cookie', 'headers["x-govshare-signature"]', 'headers["x-share-purpose"]', 'headers["x-share-operator"]',
];

/**
 * Fastify's logger options for the gateway and the subgraph host: JSON lines with `reqId`, redaction,
 * and a request serializer that logs the path only. A GET's query string carries the document and its
 * variables (an ID number in `?variables=`), so it is never logged.
 */
export function requestLoggerOptions(level: LogLevel, destination?: LogDestination): NonNullable<FastifyServerOptions['logger']> {
  return {
    level,
    redact: { paths: [...REDACTED_PATHS], censor: CENSOR },
    serializers: {
      req: (request: { method?: string; url?: string; ip?: string; routeOptions?: { url?: string } }) => ({
        method: request.method,
        url: (request.url ?? '').split('?')[0],
        remoteAddress: request.ip,
      }),
    },
    ...(destination ? { stream: destination } : {}),
  };
}

/**
 * A destination that hands each line's message to `log` (the `log(message)` option tests collect):
 * the plugin messages and the request lines reach it as they would reach stdout, already redacted.
 */
export function messageDestination(log: (message: string) => void): LogDestination {
  return {
    write(line: string) {
      try {
        const parsed = JSON.parse(line) as { msg?: unknown };
        if (typeof parsed.msg === 'string') log(parsed.msg);
      } catch { /* pino writes whole JSON lines; nothing else reaches here */ }
    },
  };
}
