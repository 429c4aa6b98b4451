import { describe, expect, it } from 'vitest';
import {
  addTyping,
  applyChatMessage,
  applyChatPresence,
  applyChatRead,
  applyChatState,
  applyChatTyping,
  applyUnreadList,
  dropThread,
  dropTyping,
  emptyChats,
  expireTyping,
  liveTyping,
  mergeMessages,
} from '../src/chat-thread';
import type { OrderMessage } from '../src/schemas/chat';

describe('mergeMessages', () => {
  it('orders by id and keeps one copy of a replayed message (the newer)', async () => {
    const a = [{ id: 3, t: 'c' }, { id: 1, t: 'a' }];
    const merged = mergeMessages(a, [{ id: 2, t: 'b' }, { id: 3, t: 'c2' }]);
    expect(merged).toEqual([{ id: 1, t: 'a' }, { id: 2, t: 'b' }, { id: 3, t: 'c2' }]);
    expect(mergeMessages(merged, [])).toBe(merged);
  });
});

describe('typing', () => {
  it('entries expire by themselves, are extended by typing again, dropped by a message', async () => {
    let list = addTyping([], 'u1', 'Anna', 5000, 0);
    list = addTyping(list, 'u2', 'Vera', 5000, 1000);
    list = addTyping(list, 'u1', 'Anna', 5000, 4000);
    expect(liveTyping(list, 5500).map((e) => e.who)).toEqual(['Vera', 'Anna']);
    expect(liveTyping(list, 6500).map((e) => e.who)).toEqual(['Anna']);
    expect(dropTyping(list, 'u1').map((e) => e.who)).toEqual(['Vera']);
    expect(liveTyping(list, 9500)).toEqual([]);
  });
});

describe('chat state steps', () => {
  const anna = { kind: 'staff' as const, name: 'Anna', userId: 2 };
  const vera = { kind: 'customer' as const, name: 'Vera', userId: 9 };
  const msg = (id: number, author: typeof anna | typeof vera, unread?: { customer: number; staff: number }): OrderMessage => ({
    id,
    orderId: 5,
    clientId: `c${id}`,
    author,
    text: `m${id}`,
    createdAt: '2026-11-30T10:00:00.000Z',
    ...(unread && { unread }),
  });
  const read = (customer: [number, number], staff: [number, number]) => ({
    orderId: 5,
    customer: { lastReadId: customer[0], unread: customer[1] },
    staff: { lastReadId: staff[0], unread: staff[1] },
  });

  it('the join state fills the thread; live messages append once; counts follow the server', async () => {
    let s = applyChatState(emptyChats(), { orderId: 5, messages: [msg(10, vera), msg(11, anna)], hasMore: true, read: read([10, 1], [11, 0]), present: [anna] }, 'customer');
    expect(s.threads[5]).toMatchObject({ hasMore: true, present: [anna], otherReadId: 11 });
    expect(s.unread).toEqual({ 5: 1 });
    s = applyChatMessage(s, msg(12, anna, { customer: 2, staff: 0 }), 'customer');
    s = applyChatMessage(s, msg(12, anna, { customer: 2, staff: 0 }), 'customer');
    expect(s.threads[5]!.messages.map((m) => m.id)).toEqual([10, 11, 12]);
    expect(s.unread[5]).toBe(2);
    // The staff side of the same events.
    const staff = applyChatMessage(emptyChats(), msg(13, vera, { customer: 0, staff: 3 }), 'staff');
    expect(staff.unread).toEqual({ 5: 3 });
    expect(staff.threads[5]).toBeUndefined();
    // Without counts on the message: one more when it is the other side's.
    expect(applyChatMessage(emptyChats(), msg(14, vera), 'staff').unread).toEqual({ 5: 1 });
    expect(applyChatMessage(emptyChats(), msg(14, vera), 'customer').unread).toEqual({});
  });

  it('an older page goes before, and says whether there is more; a re-join keeps what was paged in', async () => {
    let s = applyChatState(emptyChats(), { orderId: 5, messages: [msg(50, vera)], hasMore: true, read: read([0, 0], [0, 1]), present: [] }, 'staff');
    s = applyChatState(s, { orderId: 5, messages: [msg(48, vera), msg(49, anna)], hasMore: false, read: read([0, 0], [0, 1]) }, 'staff');
    expect(s.threads[5]!.messages.map((m) => m.id)).toEqual([48, 49, 50]);
    expect(s.threads[5]!.hasMore).toBe(false);
    s = applyChatState(s, { orderId: 5, messages: [msg(50, vera), msg(51, vera)], hasMore: true, read: read([0, 0], [0, 2]), present: [vera] }, 'staff');
    expect(s.threads[5]).toMatchObject({ hasMore: false, present: [vera] });
    expect(s.threads[5]!.messages.map((m) => m.id)).toEqual([48, 49, 50, 51]);
  });

  it('typing shows for its time, a message or a leave ends it; presence is the server list', async () => {
    let s = applyChatState(emptyChats(), { orderId: 5, messages: [], hasMore: false, read: read([0, 0], [0, 0]), present: [] }, 'customer');
    s = applyChatTyping(s, { orderId: 5, author: anna, typing: true, ttlMs: 5000 }, 1000);
    expect(s.threads[5]!.typing.map((e) => e.who.name)).toEqual(['Anna']);
    expect(expireTyping(s, 5999)).toBe(s);
    expect(expireTyping(s, 6001).threads[5]!.typing).toEqual([]);
    expect(applyChatMessage(s, msg(1, anna), 'customer').threads[5]!.typing).toEqual([]);
    expect(applyChatTyping(s, { orderId: 5, author: anna, typing: false, ttlMs: 0 }).threads[5]!.typing).toEqual([]);
    s = applyChatPresence(s, { orderId: 5, change: 'join', participant: anna, present: [anna] });
    expect(s.threads[5]!.present).toEqual([anna]);
    s = applyChatPresence(s, { orderId: 5, change: 'leave', participant: anna, present: [] });
    expect(s.threads[5]).toMatchObject({ present: [], typing: [] });
    // A chat nobody here holds ignores ephemeral news.
    expect(applyChatTyping(emptyChats(), { orderId: 6, author: anna, typing: true, ttlMs: 5000 })).toEqual(emptyChats());
  });

  it('read marks clear our badge and move the other side’s receipt; the unread list replaces the counts', async () => {
    let s = applyChatState(emptyChats(), { orderId: 5, messages: [msg(1, vera)], hasMore: false, read: read([0, 0], [0, 1]), present: [] }, 'staff');
    expect(s.unread).toEqual({ 5: 1 });
    s = applyChatRead(s, { orderId: 5, side: 'staff', userId: 2, lastReadId: 1, unread: { customer: 0, staff: 0 }, timestamp: 't' }, 'staff');
    expect(s.unread).toEqual({});
    s = applyChatRead(s, { orderId: 5, side: 'customer', userId: 9, lastReadId: 7, unread: { customer: 0, staff: 0 }, timestamp: 't' }, 'staff');
    expect(s.threads[5]!.otherReadId).toBe(7);
    s = applyUnreadList(s, { side: 'staff', total: 3, chats: [{ orderId: 8, orderNumber: 'M-0008', cityId: 1, unread: 3, lastMessageAt: 't' }] });
    expect(s.unread).toEqual({ 8: 3 });
    expect(dropThread(s, 5).threads[5]).toBeUndefined();
  });
});
