/*
 * The delivery zones screen (issue 16) in a real browser against a real server: add a zone (a paste
 * that is not JSON is caught before sending), edit it, a refusal keeps the form, delete it.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { DeliveryZone } from '@ordercast/shared';
import { bearer, signInStaff } from '../../../server/test/helpers/app';
import { openBoard, useBrowserStage } from '../../../webapp/test/e2e/helpers/stage';

const box = (lng: number, lat: number, d = 0.01) => ({
  type: 'Polygon',
  coordinates: [[[lng - d, lat - d], [lng + d, lat - d], [lng + d, lat + d], [lng - d, lat + d], [lng - d, lat - d]]],
});

describe('admin app: delivery zones', () => {
  const t = useBrowserStage(['admin']);
  let adminToken: string;
  beforeAll(async () => {
    adminToken = (await signInStaff(t.app, 'admin')).token;
  });

  const zones = async (): Promise<DeliveryZone[]> =>
    ((await t.app.inject({ url: '/api/admin/zones', headers: bearer(adminToken) })).json() as { items: DeliveryZone[] }).items;

  it('adds a zone, edits it, keeps the form when the server refuses, and deletes it', async () => {
    const page = await openBoard(t, 'admin');
    await page.getByTestId('nav-zones').click();
    await page.getByTestId('zones-table').waitFor();
    await expect.poll(() => page.locator('[data-testid^="zone-edit-"]').count()).toBeGreaterThan(0);

    await page.getByTestId('zone-name').fill('Test zone');
    await page.getByTestId('zone-fee').fill('150');
    await page.getByTestId('zone-min').fill('500');
    await page.getByTestId('zone-geometry').fill('{ not json');
    await page.getByTestId('zone-json-error').waitFor();
    expect(await page.getByTestId('zone-save').isDisabled()).toBe(true);
    await page.getByTestId('zone-geometry').fill(JSON.stringify(box(37.6, 55.75)));
    await page.getByTestId('zone-save').click();
    await expect.poll(() => page.getByTestId('zones-table').textContent(), { timeout: 10_000 }).toContain('Test zone');
    const created = (await zones()).find((z) => z.name === 'Test zone')!;
    expect(created).toMatchObject({ delivery_fee: 150, min_order: 500, delivery_minutes: 45, active: true });
    // Saved: the form is empty again, for another new zone.
    expect(await page.getByTestId('zone-name').inputValue()).toBe('');

    await page.getByTestId(`zone-edit-${created.id}`).click();
    expect(await page.getByTestId('zone-name').inputValue()).toBe('Test zone');
    await page.getByTestId('zone-fee').fill('99');
    await page.getByTestId('zone-save').click();
    await expect.poll(async () => (await zones()).find((z) => z.id === created.id)?.delivery_fee, { timeout: 10_000 }).toBe(99);

    // An open ring: the server answers 400; the form keeps what was typed, still editing this zone.
    await page.getByTestId(`zone-edit-${created.id}`).click();
    await page.getByTestId('zone-fee').fill('77');
    await page.getByTestId('zone-geometry').fill(JSON.stringify({ type: 'Polygon', coordinates: [[[37.5, 55.7], [37.7, 55.7], [37.7, 55.8]]] }));
    await page.getByTestId('zone-save').click();
    await expect.poll(() => page.getByTestId('toasts').textContent(), { timeout: 10_000 }).toContain('The zone was not saved');
    expect(await page.getByTestId('zone-fee').inputValue()).toBe('77');
    expect((await zones()).find((z) => z.id === created.id)?.delivery_fee).toBe(99);

    await page.getByTestId(`zone-delete-${created.id}`).click();
    await expect.poll(async () => (await zones()).some((z) => z.id === created.id), { timeout: 10_000 }).toBe(false);
    await expect.poll(() => page.getByTestId('zones-table').textContent()).not.toContain('Test zone');
    // It was being edited: the form is empty again.
    expect(await page.getByTestId('zone-name').inputValue()).toBe('');
  });
});
