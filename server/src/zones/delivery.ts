import { cleanText, deliveryQuote, formatMoney, toMajor, type CreateOrderBody, type LatLng } from '@ordercast/shared';
import { badRequest } from '../lib/errors';
import type { AddressesService } from './addresses';
import type { ZoneRow, ZonesService } from './service';

/** Where a delivery goes, as the server located it (never as the client priced it). */
export interface DeliveryPlan {
  /** The address text the order carries. */
  address: string;
  location: LatLng | null;
  /** The zones holding the point, best first; null: the city has no zones (anywhere, no fee). */
  zones: ZoneRow[] | null;
}

/** What the order pays for delivery and in which zone. */
export interface DeliveryCharge {
  feeMinor: number;
  zoneId: number | null;
}

const rub = (minor: number) => formatMoney(toMajor(minor), 'en');

/**
 * The order path's side of zones (called by OrdersService.create inside its transaction):
 * `plan` locates the address before a restaurant is chosen, `charge` prices it once the
 * restaurant (hence the zone) and the subtotal are known, and `remember` keeps the address.
 */
export class DeliveryPricing {
  constructor(
    private readonly zones: Pick<ZonesService, 'locate' | 'isZoned'>,
    private readonly addresses: Pick<AddressesService, 'get' | 'remember'>,
  ) {}

  /**
   * 400 `location_required` when the city has zones and the order names no point (a saved
   * address or coordinates); 400 `outside_delivery_zones` when the point is in none of them.
   */
  async plan(userId: number, cityId: number, delivery: CreateOrderBody['delivery']): Promise<DeliveryPlan> {
    let location: LatLng | null = delivery.location ?? null;
    let address = cleanText(delivery.address ?? '');
    if (delivery.addressId !== undefined) {
      const saved = await this.addresses.get(userId, delivery.addressId);
      location = { lat: saved.lat, lng: saved.lng };
      address ||= saved.address;
    }
    if (!address) throw badRequest('A delivery order needs delivery.address', 'address_required');
    if (!location) {
      if (await this.zones.isZoned(cityId)) {
        throw badRequest('Delivery here needs the address on the map: send delivery.location or a saved delivery.addressId', 'location_required');
      }
      return { address, location: null, zones: null };
    }
    const found = await this.zones.locate(cityId, location);
    if (!found.zoned) return { address, location, zones: null };
    if (found.zones.length === 0) throw badRequest('We do not deliver to this address: it is outside every delivery zone', 'outside_delivery_zones');
    return { address, location, zones: found.zones };
  }

  /** Placement's options: each zone's restaurant and minutes to the door, best zone first. */
  options(plan: DeliveryPlan): { restaurantId: number; deliveryMinutes: number }[] | undefined {
    return plan.zones?.map((z) => ({ restaurantId: z.restaurantId, deliveryMinutes: z.deliveryMinutes }));
  }

  /** The fee of the chosen restaurant's zone for this subtotal; 400 `below_minimum` under the zone's minimum. */
  charge(plan: DeliveryPlan, restaurantId: number | null, subtotalMinor: number): DeliveryCharge {
    if (!plan.zones) return { feeMinor: 0, zoneId: null };
    const zone = plan.zones.find((z) => z.restaurantId === restaurantId) ?? plan.zones[0]!;
    const q = deliveryQuote({ feeMinor: zone.deliveryFee, freeFromMinor: zone.freeFrom, minOrderMinor: zone.minOrder }, subtotalMinor);
    if (q.shortOfMinimumMinor > 0) {
      throw badRequest(
        `The minimum order for delivery to ${zone.name} is ${rub(zone.minOrder)}; add ${rub(q.shortOfMinimumMinor)} more`,
        'below_minimum',
      );
    }
    return { feeMinor: q.feeMinor, zoneId: zone.id };
  }

  async remember(userId: number, plan: DeliveryPlan, at: string): Promise<void> {
    if (plan.location) await this.addresses.remember(userId, plan.address, plan.location.lat, plan.location.lng, at);
  }
}
