import type { FastifyInstance } from 'fastify';

/** `http://<configured host>:<port>` once listening; '' before (an instance driven by `inject` never listens). */
export function originOf(app: FastifyInstance, host: string): string {
  const address = app.server.address();
  return typeof address === 'object' && address ? `http://${host}:${address.port}` : '';
}
