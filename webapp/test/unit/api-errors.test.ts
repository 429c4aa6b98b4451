import { describe, expect, it } from 'vitest';
import { ApiError, humanError } from '../../src/api';
import { setLocale, t } from '../../src/i18n';

describe('humanError: an API error in words a customer understands', () => {
  it('says what each known code means, in the customer’s language', () => {
    setLocale('en');
    const said = (code: string) => humanError(new ApiError(409, code, 'server words'));
    expect(said('product_unavailable')).toBe(t('err.unavailable'));
    expect(said('option_unavailable')).toBe(t('err.unavailable'));
    expect(said('unknown_product')).toBe(t('err.unavailable'));
    expect(said('bonus_limit_exceeded')).toBe(t('err.bonusLimit'));
    expect(said('insufficient_bonuses')).toBe(t('err.bonusBalance'));
    expect(said('insufficient_balance')).toBe(t('err.bonusBalance'));
    expect(said('address_required')).toBe(t('err.address'));
    expect(said('invalid_transition')).toBe(t('err.tooLateToCancel'));
    expect(said('idempotency_key_reused')).toBe(t('err.alreadyPlaced'));
    expect(said('city_paused')).toBe(t('err.cityPaused'));
    expect(said('restaurant_paused')).toBe(t('err.cityPaused'));
    expect(said('closed')).toBe(t('err.closed'));
    expect(said('outside_hours')).toBe(t('err.closed'));
    expect(said('invalid_requested_time')).toBe(t('err.closed'));
    expect(said('restaurant_required')).toBe(t('pickup.required'));
    expect(said('outside_delivery_zones')).toBe(t('zone.outside'));
    expect(said('location_required')).toBe(t('zone.needLocation'));
    expect(said('not_found')).toBe(t('err.notFound'));
    // Unknown codes, and codes that only name an object's property: the server's own words.
    expect(said('something_new')).toBe(t('err.generic', { detail: 'server words' }));
    expect(said('toString')).toBe(t('err.generic', { detail: 'server words' }));
  });

  it('the status decides before the code: offline, signed out, rate-limited, server trouble; a non-API error keeps its message', () => {
    setLocale('en');
    expect(humanError(new ApiError(0, 'city_paused', 'x'))).toBe(t('err.network'));
    expect(humanError(new ApiError(401, 'city_paused', 'x'))).toBe(t('err.auth'));
    expect(humanError(new ApiError(429, 'city_paused', 'x'))).toBe(t('err.rateLimited'));
    expect(humanError(new ApiError(503, 'city_paused', 'x'))).toBe(t('err.server'));
    expect(humanError(new Error('boom'))).toBe(t('err.generic', { detail: 'boom' }));
  });
});
