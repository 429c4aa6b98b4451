/*
 * What both apps' chat views keep of an order chat (the Mini App and the admin panel hold the same
 * chat from the two sides): the thread's messages in order without duplicates (history pages, the
 * state on joining and live events overlap), and the "is typing" entries that expire by themselves.
 * Sending, the offline queue and typing throttling are the realtime client's (`client/chat.ts`).
 * Pure and framework-free: the apps' stores wrap it in their own reactivity.
 */
import type { ChatClient, PendingChatMessage } from './client/chat';
import type { ChatAuthor, ChatHistoryResponse, ChatPresence, ChatSide, ChatState, ChatTyping, ChatUnreadResponse, OrderChatRead, OrderMessage } from './schemas/chat';

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

/*
 * The chats one app holds, as one immutable state and pure steps over it: the apps keep it in a
 * shallow ref and replace it on each event, so both sides apply every event by the same rules.
 */

/** One chat as a view shows it. */
export interface ChatThread {
  orderId: number;
  /** Oldest first. */
  messages: OrderMessage[];
  /** Older messages exist on the server (REST history pages). */
  hasMore: boolean;
  /** Who is in the chat now (the server's list after the last join/leave). */
  present: ChatAuthor[];
  typing: TypingEntry<ChatAuthor>[];
  /** The other side has read up to this message id (read receipts). */
  otherReadId: number;
}

export interface ChatsState {
  /** Chats whose room this app joined (or whose history it fetched). */
  threads: Readonly<Record<number, ChatThread>>;
  /** Unread messages for this app's side, per order (0 or absent: none). */
  unread: Readonly<Record<number, number>>;
}

export const emptyChats = (): ChatsState => ({ threads: {}, unread: {} });

const other = (side: ChatSide): ChatSide => (side === 'customer' ? 'staff' : 'customer');
const personKey = (a: ChatAuthor) => `${a.kind}:${a.userId}`;

function withThread(s: ChatsState, orderId: number, fn: (t: ChatThread) => ChatThread): ChatsState {
  const t = s.threads[orderId] ?? { orderId, messages: [], hasMore: false, present: [], typing: [], otherReadId: 0 };
  return { ...s, threads: { ...s.threads, [orderId]: fn(t) } };
}

function withUnread(s: ChatsState, orderId: number, n: number): ChatsState {
  if ((s.unread[orderId] ?? 0) === n) return s;
  const unread = { ...s.unread };
  if (n > 0) unread[orderId] = n;
  else delete unread[orderId];
  return { ...s, unread };
}

/** `chat-state` on joining a room, or a REST history page (older messages). */
export function applyChatState(s: ChatsState, st: ChatState | ChatHistoryResponse, side: ChatSide): ChatsState {
  const next = withThread(s, st.orderId, (t) => ({
    ...t,
    messages: mergeMessages(t.messages, st.messages),
    // A page of older messages says whether there are more before it; the join state, before its page.
    hasMore: t.messages.length && st.messages.length && st.messages[0]!.id > t.messages[0]!.id ? t.hasMore : st.hasMore,
    present: 'present' in st ? st.present : t.present,
    otherReadId: Math.max(t.otherReadId, st.read[other(side)].lastReadId),
  }));
  return withUnread(next, st.orderId, st.read[side].unread);
}

/** `order-message`: into its thread if this app holds it; the unread count follows the server's. */
export function applyChatMessage(s: ChatsState, m: OrderMessage, side: ChatSide): ChatsState {
  let next = s;
  if (s.threads[m.orderId]) {
    next = withThread(s, m.orderId, (t) => ({ ...t, messages: mergeMessages(t.messages, [m]), typing: dropTyping(t.typing, personKey(m.author)) }));
  }
  const n = m.unread ? m.unread[side] : (s.unread[m.orderId] ?? 0) + (m.author.kind === side ? 0 : 1);
  return withUnread(next, m.orderId, n);
}

/** `typing` (ephemeral): shown for `ttlMs` unless renewed; `typing: false` hides it at once. */
export function applyChatTyping(s: ChatsState, ev: ChatTyping, now = Date.now()): ChatsState {
  if (!s.threads[ev.orderId]) return s;
  return withThread(s, ev.orderId, (t) => ({
    ...t,
    typing: ev.typing ? addTyping(t.typing, personKey(ev.author), ev.author, ev.ttlMs, now) : dropTyping(t.typing, personKey(ev.author)),
  }));
}

/** `chat-presence`: the server's list of who is here now. */
export function applyChatPresence(s: ChatsState, ev: ChatPresence): ChatsState {
  if (!s.threads[ev.orderId]) return s;
  return withThread(s, ev.orderId, (t) => ({
    ...t,
    present: ev.present,
    // Someone who left types no more.
    typing: ev.change === 'leave' ? dropTyping(t.typing, personKey(ev.participant)) : t.typing,
  }));
}

/** `order-chat-read`: our side read it (here or in another tab: the badge clears), or the other side did (receipts). */
export function applyChatRead(s: ChatsState, ev: OrderChatRead, side: ChatSide): ChatsState {
  let next = withUnread(s, ev.orderId, ev.unread[side]);
  if (ev.side !== side && next.threads[ev.orderId]) {
    next = withThread(next, ev.orderId, (t) => ({ ...t, otherReadId: Math.max(t.otherReadId, ev.lastReadId) }));
  }
  return next;
}

/** `GET /api/chat/unread`: the counts of every chat at once (start, reconnect with resync). */
export function applyUnreadList(s: ChatsState, r: ChatUnreadResponse): ChatsState {
  const unread: Record<number, number> = {};
  for (const c of r.chats) if (c.unread > 0) unread[c.orderId] = c.unread;
  return { ...s, unread };
}

/** The view closed: its thread is let go (the unread count stays). */
export function dropThread(s: ChatsState, orderId: number): ChatsState {
  if (!s.threads[orderId]) return s;
  const threads = { ...s.threads };
  delete threads[orderId];
  return { ...s, threads };
}

/** Typing entries past their time are dropped (a view's clock tick calls this). */
export function expireTyping(s: ChatsState, now = Date.now()): ChatsState {
  let next = s;
  for (const t of Object.values(s.threads)) {
    const live = liveTyping(t.typing, now);
    if (live !== t.typing) next = withThread(next, t.orderId, (x) => ({ ...x, typing: live }));
  }
  return next;
}

export interface ChatModelState {
  chats: ChatsState;
  /** Written here, not yet stored ("sending…" / "will be sent when online"), per order. */
  pending: Readonly<Record<number, readonly PendingChatMessage[]>>;
  /** The chat on screen: the other side's messages are marked read as they arrive. */
  viewing: number | null;
}

/**
 * One side's chats for one app: the events applied by the steps above, the client's queue mirrored
 * for the view, and the read marks sent while a chat is on screen. The app keeps `state` in its own
 * reactivity (`onChange` hands over each new state).
 */
export function createChatModel(side: ChatSide, onChange: (s: ChatModelState) => void, isVisible: () => boolean = () => true) {
  let state: ChatModelState = { chats: emptyChats(), pending: {}, viewing: null };
  let port: ChatClient | null = null;
  const set = (patch: Partial<ChatModelState>) => {
    state = { ...state, ...patch };
    onChange(state);
  };
  const setChats = (chats: ChatsState) => chats !== state.chats && set({ chats });
  const syncPending = (orderId: number) => set({ pending: { ...state.pending, [orderId]: port?.pending(orderId) ?? [] } });
  const lastId = (orderId: number) => state.chats.threads[orderId]?.messages.at(-1)?.id;

  async function markRead(orderId: number): Promise<void> {
    const last = lastId(orderId);
    if (!port || last === undefined || !(state.chats.unread[orderId] ?? 0)) return;
    try {
      await port.markRead(orderId, last);
    } catch {
      /* the mark stays; the next message or open tries again */
    }
  }
  /** Read as it comes: the chat is on screen and the page is visible. */
  const readIfViewing = (orderId: number) => {
    if (state.viewing === orderId && isVisible()) void markRead(orderId);
  };

  return {
    get state() {
      return state;
    },
    /** The realtime client's chat (`RealtimeClient.chat`): sending, the offline queue, typing, read marks. */
    attach(p: ChatClient): void {
      port = p;
    },
    /** The chat view opened: join its room (the server answers with its state and who is here). */
    open(orderId: number): void {
      set({ viewing: orderId });
      port?.join(orderId);
      syncPending(orderId);
    },
    close(orderId: number): void {
      if (state.viewing === orderId) set({ viewing: null });
      port?.typing(orderId, false);
      port?.leave(orderId);
      setChats(dropThread(state.chats, orderId));
    },
    async loadOlder(orderId: number): Promise<void> {
      const first = state.chats.threads[orderId]?.messages[0];
      if (!port || !first) return;
      setChats(applyChatState(state.chats, await port.history(orderId, { before: first.id }), side));
    },
    /** Sends, or queues while offline (sent once when the connection is back). Rejects with the server's refusal. */
    async send(orderId: number, text: string): Promise<OrderMessage | undefined> {
      if (!port) return undefined;
      const p = port.send(orderId, text);
      syncPending(orderId);
      try {
        const m = await p;
        setChats(applyChatMessage(state.chats, m, side));
        return m;
      } finally {
        syncPending(orderId);
      }
    },
    typing(orderId: number, on = true): void {
      port?.typing(orderId, on);
    },
    markRead,
    async loadUnread(): Promise<void> {
      if (port) setChats(applyUnreadList(state.chats, await port.unread()));
    },
    onState(st: ChatState): void {
      setChats(applyChatState(state.chats, st, side));
      readIfViewing(st.orderId);
    },
    onMessage(m: OrderMessage): void {
      setChats(applyChatMessage(state.chats, m, side));
      if (m.author.kind !== side) readIfViewing(m.orderId);
      if (state.pending[m.orderId]?.length) syncPending(m.orderId);
    },
    onTyping(ev: ChatTyping): void {
      setChats(applyChatTyping(state.chats, ev));
    },
    onPresence(ev: ChatPresence): void {
      setChats(applyChatPresence(state.chats, ev));
    },
    onRead(ev: OrderChatRead): void {
      setChats(applyChatRead(state.chats, ev, side));
    },
    /** The page became visible again: what arrived meanwhile in the open chat is read now. */
    visible(): void {
      if (state.viewing !== null) readIfViewing(state.viewing);
    },
    /** A view's clock: typing entries past their time go. */
    tick(now = Date.now()): void {
      setChats(expireTyping(state.chats, now));
    },
    /** After a reconnect: the queue is being sent; show it as it goes. */
    refreshPending(): void {
      for (const id of Object.keys(state.pending)) syncPending(Number(id));
    },
  };
}
export type ChatModel = ReturnType<typeof createChatModel>;
