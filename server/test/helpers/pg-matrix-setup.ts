import { MATRIX_DB_PREFIX, dropDatabases } from './pg';

/**
 * Global setup of the suite's PostgreSQL pass (project `server-pg`): names this run, so its test
 * databases (`oc_matrix_<run>_…`) are told apart from a parallel run's on the same server, and
 * drops whatever of them a test left (servers restarted on one folder keep their database to the end).
 */
export default function setup(): () => Promise<void> {
  const run = String(process.pid);
  process.env.OC_TEST_RUN = run;
  return async () => {
    await dropDatabases(`${MATRIX_DB_PREFIX}_${run}_`);
  };
}
