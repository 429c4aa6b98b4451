/*
 * Delivery zones in the Mini App, in real Chromium (issue 16): an address outside every zone is
 * refused at checkout before anything is sent; one inside shows its zone's fee, the total with it,
 * and the order the server prices the same way; the address is then offered first next time.
 */
import type { BrowserContext, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { OrderDetail } from '@ordercast/shared';
import { bearer } from '../../../server/test/helpers/app';
import { openRoundTheClock } from '../../../server/test/helpers/db';
import { launchCustomer, openMiniApp, useBrowserStage } from './helpers/stage';

const t = useBrowserStage(['webapp'], { POS_SYNC_WORKER: 'false' });

// Moscow: outside the MKAD box of the demo zones; inside only the Arbat kitchen's "Запад" zone (149 ₽, free from 1 500, minimum 700).
const OUTSIDE = { latitude: 55.95, longitude: 37.95 };
const WEST = { latitude: 55.72, longitude: 37.5 };

const customer = () => launchCustomer(t.app, { first_name: 'Zone' }, { cityId: 1 });

/** The app at checkout with a cart of two beef goulash (2 × 590 = 1 180 ₽) and the phone at `where`. */
async function checkout(hash: string, where: { latitude: number; longitude: number }): Promise<{ page: Page; ctx: BrowserContext }> {
  const { page, ctx } = await openMiniApp(t, '/app/checkout', hash, {
    init: async (c) => {
      await c.grantPermissions(['geolocation']);
      await c.setGeolocation(where);
      await c.addInitScript(() => localStorage.setItem('ordercast.cart', JSON.stringify({ cityId: 1, quantities: { 5: 2 } })));
    },
  });
  await page.getByTestId('checkout').waitFor();
  return { page, ctx };
}

const mainButton = (page: Page) => page.getByTestId('main-button');

describe('delivery zones in the Mini App', () => {
  it('an address outside every zone is refused before checkout: nothing is sent', async () => {
    const c = await customer();
    const { page } = await checkout(c.hash, OUTSIDE);
    await page.locator('input[name="address"]').fill('Far away 1');
    // Before locating: the customer is asked for the point, and cannot order.
    expect(await page.getByTestId('checkout-why').textContent()).toContain('Use my location');
    await page.getByTestId('locate-me').click();
    await page.getByTestId('zone-outside').waitFor();
    expect(await page.getByTestId('checkout-why').textContent()).toContain('outside our delivery zones');
    await expect.poll(() => mainButton(page).isDisabled()).toBe(true);
    await mainButton(page).click({ force: true });
    const orders = (await t.app.inject({ url: '/api/orders', headers: bearer(c.token) })).json() as { total: number };
    expect(orders.total).toBe(0);
  });

  it("an address inside shows its zone's fee and minimum; the order carries the same fee; the address is offered first next time", async () => {
    // The west zone is Arbat's, whose ordinary hours would send the order elsewhere late at night.
    await openRoundTheClock(t.app, 2);
    const c = await customer();
    const { page } = await checkout(c.hash, WEST);
    await page.locator('input[name="address"]').fill('Kutuzovsky 10, flat 3');
    await page.getByTestId('locate-me').click();
    await expect.poll(() => page.getByTestId('zone-terms').textContent()).toContain('Запад: delivery');
    const terms = (await page.getByTestId('zone-terms').textContent())!;
    expect(terms).toContain('149');
    expect(terms).toContain('1,500');
    expect(terms).toContain('700');
    expect(await page.getByTestId('delivery-fee').textContent()).toContain('149');
    // 1 180 + 149
    expect(await page.getByTestId('to-pay').textContent()).toContain('1,329');
    await expect.poll(() => mainButton(page).textContent()).toContain('1,329');

    await mainButton(page).click();
    await page.getByTestId('order').waitFor();
    const orderId = Number(await page.getByTestId('order').getAttribute('data-order-id'));
    const { order } = (await t.app.inject({ url: `/api/orders/${orderId}`, headers: bearer(c.token) })).json() as { order: OrderDetail };
    expect(order).toMatchObject({ delivery_fee: 149, subtotal: 1180, total: 1329, restaurant_id: 2, delivery: { address: 'Kutuzovsky 10, flat 3', location: { lat: WEST.latitude, lng: WEST.longitude } } });

    // Next checkout: the saved address is chosen at once and located again by the server.
    const again = await checkout(c.hash, OUTSIDE);
    await again.page.getByTestId('saved-address').first().waitFor();
    await expect.poll(() => again.page.getByTestId('zone-terms').textContent()).toContain('Запад');
    expect(await again.page.locator('input[name="saved-address"]').first().isChecked()).toBe(true);
  });
});
