import { gatewayConfigFromEnv } from './config.ts';
import { createGateway } from './app.ts';
import { CompositionFailedError } from './composition/supergraph-source.ts';

const config = gatewayConfigFromEnv(process.env);
const gateway = createGateway({ config, log: (message) => console.log(`[gateway] ${message}`) });

const shutdown = async () => {
  await gateway.close().catch(() => {});
  process.exit(0);
};
process.once('SIGINT', shutdown);
process.once('SIGTERM', shutdown);

try {
  await gateway.start();
  console.log(`[gateway] serving supergraph ${gateway.source.supergraph?.version} at ${gateway.url}/graphql`);
} catch (error) {
  console.error(error instanceof CompositionFailedError ? `[gateway] ${error.message}` : error);
  await gateway.close().catch(() => {});
  process.exit(1);
}
