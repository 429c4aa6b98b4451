import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import {
  AddressList,
  AddressResponse,
  ContactBody,
  CreateAddressBody,
  ErrorBody,
  IdParams,
  LocateBody,
  LocateResponse,
  UpdateAddressBody,
  User,
  type LatLng,
} from '@ordercast/shared/schemas';
import { badRequest, forbidden, notFound, unprocessable } from '../../lib/errors';
import { zoneTerms } from '../../zones/service';
import { VerifiedPhones, verifyContact } from '../../zones/contact';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody, 422: ErrorBody };
const GEOCODE_TIMEOUT_MS = 5000;

/** Delivery zones as the customer meets them, their saved addresses, and their phone from Telegram (issue 16). */
const zoneRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const phones = new VerifiedPhones(app.sql);
  const customersOnly = (role: string) => {
    if (role !== 'customer') throw forbidden('These endpoints are for customers', 'customers_only');
  };

  /**
   * Which zone holds a point (the checkout's preview before the order: fee, minimum, time). The
   * order path locates the point again itself; this answer is only what the customer sees first.
   */
  app.post('/zones/locate', { schema: { body: LocateBody, response: { 200: LocateResponse, ...errors } } }, async (req) => {
    const { cityId, location, addressId, address } = req.body;
    let point: LatLng | null = location ?? null;
    if (addressId !== undefined) {
      const saved = await app.savedAddresses.get(req.principal.userId, addressId);
      point = { lat: saved.lat, lng: saved.lng };
    } else if (!point && address !== undefined) {
      if (!app.geocoder) throw unprocessable('This server has no geocoder: share your location or pick a saved address', 'geocoder_off');
      point = await app.geocoder.geocode(cityId, address, AbortSignal.timeout(GEOCODE_TIMEOUT_MS));
      if (!point) throw unprocessable('This address could not be found on the map', 'address_not_found');
    }
    if (!point) throw badRequest('Send location, addressId or address', 'location_required');
    const found = await app.zones.locate(cityId, point);
    return { zoned: found.zoned, zone: found.zones[0] ? zoneTerms(found.zones[0]) : null, location: point };
  });

  app.get('/addresses', { schema: { response: { 200: AddressList, ...errors } } }, async (req) => {
    customersOnly(req.principal.role);
    return { items: await app.savedAddresses.list(req.principal.userId) };
  });

  app.post('/addresses', { schema: { body: CreateAddressBody, response: { 201: AddressResponse, ...errors } } }, async (req, reply) => {
    customersOnly(req.principal.role);
    return reply.code(201).send({ address: await app.tx(() => app.savedAddresses.create(req.principal.userId, req.body)) });
  });

  app.patch('/addresses/:id', { schema: { params: IdParams, body: UpdateAddressBody, response: { 200: AddressResponse, ...errors } } }, async (req) => ({
    address: await app.tx(() => app.savedAddresses.update(req.principal.userId, req.params.id, req.body)),
  }));

  app.delete('/addresses/:id', { schema: { params: IdParams, response: { 200: Type.Object({ deleted: Type.Integer({ minimum: 1 }) }), ...errors } } }, async (req, reply) => {
    await app.tx(() => app.savedAddresses.remove(req.principal.userId, req.params.id));
    return reply.send({ deleted: req.params.id });
  });

  /**
   * The Mini App's requestContact answer: its raw, signed `response` string. Verified like
   * initData and bound to the signed-in customer's Telegram id; then the phone is theirs, verified
   * (see zones/contact.ts for what is trusted and why).
   */
  app.post('/me/contact', { schema: { body: ContactBody, response: { 200: User, ...errors } } }, async (req) => {
    customersOnly(req.principal.role);
    const me = await app.users.byId(req.principal.userId);
    if (!me) throw notFound('User not found');
    const result = verifyContact(req.body.contact, app.config.TELEGRAM_BOT_TOKEN, app.config.INITDATA_MAX_AGE_S);
    if (!result.ok) throw badRequest(`The contact could not be verified: ${result.reason}`, 'invalid_contact');
    if (result.userId !== me.telegramId) throw forbidden('This contact is not your own', 'not_own_contact');
    await app.tx(() => phones.store(result.userId, result.phone));
    return app.users.toWire((await app.users.byId(me.id))!);
  });
};

export default zoneRoutes;
