import { describe, expect, it } from 'vitest';
import { addTyping, dropTyping, liveTyping, mergeMessages } from '../src/chat-thread';

describe('mergeMessages', () => {
  it('orders by id and keeps one copy of a replayed message (the newer)', () => {
    const a = [{ id: 3, t: 'c' }, { id: 1, t: 'a' }];
    const merged = mergeMessages(a, [{ id: 2, t: 'b' }, { id: 3, t: 'c2' }]);
    expect(merged).toEqual([{ id: 1, t: 'a' }, { id: 2, t: 'b' }, { id: 3, t: 'c2' }]);
    expect(mergeMessages(merged, [])).toBe(merged);
  });
});

describe('typing', () => {
  it('entries expire by themselves, are extended by typing again, dropped by a message', () => {
    let list = addTyping([], 'u1', 'Anna', 5000, 0);
    list = addTyping(list, 'u2', 'Vera', 5000, 1000);
    list = addTyping(list, 'u1', 'Anna', 5000, 4000);
    expect(liveTyping(list, 5500).map((e) => e.who)).toEqual(['Vera', 'Anna']);
    expect(liveTyping(list, 6500).map((e) => e.who)).toEqual(['Anna']);
    expect(dropTyping(list, 'u1').map((e) => e.who)).toEqual(['Vera']);
    expect(liveTyping(list, 9500)).toEqual([]);
  });
});
