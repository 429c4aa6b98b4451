import type { ChatAuthor, ChatOrderRef, ChatSide } from '@ordercast/shared';
import { managesCity } from '../auth/scope';
import type { Principal } from '../auth/principal';

/**
 * Who may take part in an order's chat, the one server-side rule for its room, its REST routes and
 * its typing: the order's own customer; staff who see the order's city (auth/scope.ts: admin and
 * ceo every city, a manager the cities they manage). `order` null: no such order.
 */
export function mayChat(p: Principal, order: ChatOrderRef | null): boolean {
  if (!order) return false;
  if (p.role === 'customer') return order.userId === p.userId;
  return managesCity(p, order.cityId);
}

/** The side a person writes on: customers on theirs, every staff role on the staff side. */
export const sideOf = (p: Principal): ChatSide => (p.role === 'customer' ? 'customer' : 'staff');

/** How a person appears in a chat: their name (staff without one by their login), never empty. */
export function authorOf(p: Principal, row: { name: string; username: string | null } | undefined): ChatAuthor {
  const kind = sideOf(p);
  const name = row?.name.trim() || row?.username || (kind === 'customer' ? 'Customer' : 'Staff');
  return { kind, name, userId: p.userId };
}
