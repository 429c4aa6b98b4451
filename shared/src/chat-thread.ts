/*
 * What both apps' chat views keep of an order chat (the Mini App and the admin panel hold the same
 * chat from the two sides): the thread's messages in order without duplicates (history pages, the
 * state on joining and live events overlap), and the "is typing" entries that expire by themselves.
 * Sending, the offline queue and typing throttling are the realtime client's (`client/chat.ts`).
 * Pure and framework-free: the apps' stores wrap it in their own reactivity.
 */

/** What a thread needs of a message; the wire type (`OrderMessage`) has more. */
export interface ThreadMessage {
  id: number;
}

/** `list` and `incoming` merged by id, ascending (a replayed or re-fetched message replaces its copy). */
export function mergeMessages<M extends ThreadMessage>(list: readonly M[], incoming: readonly M[]): M[] {
  if (!incoming.length) return list as M[];
  const byId = new Map<number, M>();
  for (const m of list) byId.set(m.id, m);
  for (const m of incoming) byId.set(m.id, m);
  return [...byId.values()].sort((a, b) => a.id - b.id);
}

/** Someone typing in a chat, until `until` (ms epoch) unless they type again. */
export interface TypingEntry<P> {
  key: string;
  who: P;
  until: number;
}

/** Adds or extends an entry; a typer whose message arrived is dropped with `dropTyping`. */
export function addTyping<P>(list: readonly TypingEntry<P>[], key: string, who: P, ttlMs: number, now = Date.now()): TypingEntry<P>[] {
  return [...list.filter((e) => e.key !== key && e.until > now), { key, who, until: now + ttlMs }];
}

export function dropTyping<P>(list: readonly TypingEntry<P>[], key: string): TypingEntry<P>[] {
  return list.some((e) => e.key === key) ? list.filter((e) => e.key !== key) : (list as TypingEntry<P>[]);
}

export function liveTyping<P>(list: readonly TypingEntry<P>[], now = Date.now()): TypingEntry<P>[] {
  return list.every((e) => e.until > now) ? (list as TypingEntry<P>[]) : list.filter((e) => e.until > now);
}
