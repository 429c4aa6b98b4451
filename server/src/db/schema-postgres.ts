/*
 * The PostgreSQL tables: schema.ts's, translated by to-postgres.ts (not declared a second time).
 * drizzle-kit reads the named exports (drizzle.postgres.config.ts); a test checks that every SQLite
 * table is exported here.
 */
import * as sqlite from './schema';
import { toPostgres } from './to-postgres';

export const postgresSchema = toPostgres(sqlite);

export const {
  cities,
  restaurants,
  deliveryZones,
  users,
  managerCities,
  categories,
  products,
  productOptionGroups,
  productOptions,
  productOptionPrices,
  productPrices,
  orders,
  orderItems,
  orderItemOptions,
  orderStatusHistory,
  bonusLedger,
  events,
  eventCursor,
  posSyncJobs,
  realtimeTickets,
  systemState,
  botMessages,
  savedAddresses,
  orderMessages,
  orderChats,
  chatPresence,
  rateCounters,
  loginKnownAddresses,
} = postgresSchema;
