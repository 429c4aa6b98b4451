/**
 * `npm run pos-sim`: the POS simulator on its own, as a separate service.
 * Reads POS_SIM_PORT (default 3100), HOST, POS_WEBHOOK_SECRET, PUBLIC_URL (the server it calls
 * back, default http://HOST:PORT) and POS_SIM_DATABASE_PATH (default ./data/pos-sim.db; ":memory:" for none).
 * Point the server at it with POS_URL and start the server with POS_SIM_PORT=0.
 */
import closeWithGrace from 'close-with-grace';
import { loadConfigOrExit } from '../../config/config';
import { startPosSimulator } from './index';

const config = loadConfigOrExit();
const port = config.POS_SIM_PORT || 3100;

const sim = await startPosSimulator({
  port,
  host: config.HOST,
  serverUrl: config.PUBLIC_URL,
  webhookSecret: config.POS_WEBHOOK_SECRET,
  databasePath: config.POS_SIM_DATABASE_PATH,
  logger: { level: config.LOG_LEVEL },
}).catch((err: unknown) => {
  console.error(`POS simulator could not start on port ${port}: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});

closeWithGrace({ delay: 5_000 }, async () => {
  await sim.close();
});

console.log(`POS simulator listening at ${sim.url}, calling back ${config.PUBLIC_URL}/api/pos/webhook`);
console.log(`  GET ${sim.url}/menu · GET ${sim.url}/orders · GET|POST ${sim.url}/control {latencyMs, failureRate, outage: false|"refuse"|"hang", kitchenSpeed}`);
