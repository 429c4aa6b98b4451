import type { Reporter, TestCase, TestModule, TestSuite } from 'vitest/node';

/** The reason a test was skipped for a missing service (see services.ts), from it or a suite above it. */
function needs(t: TestCase): string | undefined {
  if (t.meta().needs) return t.meta().needs;
  for (let p: TestSuite | TestModule = t.parent; p.type === 'suite'; p = p.parent) {
    const n = p.meta().needs ?? (p.options as { meta?: { needs?: string } }).meta?.needs;
    if (n) return n;
  }
  return undefined;
}

/**
 * Ends every run with one line per missing service (`skipped: 6 tests need Redis at …`), so
 * nothing is skipped silently, then one plain line CI can read: `tests: N passed, N failed, N skipped`.
 */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    const missing = new Map<string, number>();
    for (const m of modules) {
      for (const t of m.children.allTests()) {
        const state = t.result().state;
        if (state === 'passed') passed++;
        else if (state === 'failed') failed++;
        else {
          skipped++;
          const why = needs(t);
          if (why) missing.set(why, (missing.get(why) ?? 0) + 1);
        }
      }
      // A file that failed to load has no tests but must still fail the count.
      if (m.state() === 'failed' && [...m.children.allTests()].length === 0) failed++;
    }
    let out = '\n';
    // Set by vite.config.ts when the PostgreSQL pass of the server tests was left out (no server).
    if (process.env.OC_PG_PASS_SKIPPED) out += `skipped: ${process.env.OC_PG_PASS_SKIPPED}\n`;
    for (const [why, n] of missing) out += `skipped: ${n} test${n === 1 ? '' : 's'} need${n === 1 ? 's' : ''} ${why}\n`;
    process.stdout.write(`${out}tests: ${passed} passed, ${failed} failed, ${skipped} skipped\n`);
  }
}
