import { describe, expect, it } from 'vitest';
import { distLine } from '../../../bench/realtime/common';

/** bench/realtime/common.ts: the trace line both benchmark targets print for a stage. */
describe('distLine', () => {
  it('names the stage in a fixed-width column and gives n, p50, p95, p99 and max in ms', async () => {
    const line = distLine('stage', [4, 1, 3, 2]);
    expect(line).toBe(`${'stage'.padEnd(38)} n=4 p50 2.00 p95 4.00 p99 4.00 max 4.00 ms`);
  });

  it('an empty stage still prints its line, with no figures', async () => {
    expect(distLine('idle', [])).toMatch(/^idle +n=0 p50 NaN p95 NaN p99 NaN max NaN ms$/);
  });
});
