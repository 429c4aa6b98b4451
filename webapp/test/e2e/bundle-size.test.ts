/*
 * The Mini App's budget (TARGETS.md): the JavaScript a first open loads — the entry and every chunk
 * it preloads — stays within 90 KB gzipped. Later screens (the order page and its chat among them)
 * are lazy chunks and do not count.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ensureBuilt, ROOT } from './helpers/build';

const BUDGET = 90 * 1024;

describe('Mini App initial JavaScript', () => {
  it('is within 90 KB gzipped, and the chat is not part of it', () => {
    ensureBuilt('webapp');
    const dist = join(ROOT, 'webapp/dist');
    const html = readFileSync(join(dist, 'index.html'), 'utf8');
    const files = [...html.matchAll(/(?:src|href)="\/app\/(assets\/[^"]+\.js)"/g)].map((m) => m[1]!);
    expect(files.length).toBeGreaterThan(0);
    const sizes = files.map((f) => gzipSync(readFileSync(join(dist, f)), { level: 9 }).length);
    const total = sizes.reduce((a, b) => a + b, 0);
    console.log(`Mini App initial JS: ${(total / 1024).toFixed(1)} KiB gzip (${files.join(', ')})`);
    expect(total).toBeLessThanOrEqual(BUDGET);
    expect(files.some((f) => /OrderChat|OrderScreen/.test(f))).toBe(false);
  }, 240_000);
});
