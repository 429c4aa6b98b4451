import { describe } from 'vitest';
import { requireService } from '../helpers/services';
import { multiNodeScenarios } from './scenarios';

/**
 * Three real server nodes (one SQLite file, Redis between them) behind the balancer of `npm run
 * cluster`, the POS simulator behind them: a node killed mid-stream, then a rolling restart, under a
 * steady stream of orders. Nothing an order or an event may be lost or repeated. The same on
 * PostgreSQL without Redis: postgres.test.ts.
 */
describe('three nodes behind the balancer', await requireService('redis'), () => {
  multiNodeScenarios('sqlite');
});
