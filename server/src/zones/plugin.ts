import fp from 'fastify-plugin';
import { AddressesService } from './addresses';
import { DeliveryPricing } from './delivery';
import type { Geocoder } from './geocoder';
import { ZonesService } from './service';

declare module 'fastify' {
  interface FastifyInstance {
    zones: ZonesService;
    savedAddresses: AddressesService;
    /** The order path's zone pricing (OrdersService takes it). */
    deliveryPricing: DeliveryPricing;
    /** Null unless buildApp was given one (none ships: see zones/geocoder.ts). */
    geocoder: Geocoder | null;
  }
}

/** Delivery zones, saved addresses and the geocoder hook (issue 16). */
export default fp<{ geocoder?: Geocoder }>(
  async (app, opts) => {
    const zones = new ZonesService(app.sql);
    const addresses = new AddressesService(app.sql);
    app.decorate('zones', zones);
    app.decorate('savedAddresses', addresses);
    app.decorate('deliveryPricing', new DeliveryPricing(zones, addresses));
    app.decorate('geocoder', opts.geocoder ?? null);
  },
  { name: 'zones', dependencies: ['db'] },
);
