import { Redis } from 'ioredis';
import type { ChatAuthor } from '@ordercast/shared';
import { inJsonTexts, sqlText } from '../db/portable';
import type { Sql, Statement } from '../db/sql';

/**
 * Who is in which order chat, shared by every server process. An entry is one person in one
 * process (`member` = process id + user id) and lives `ttlMs` unless its process renews it, so the
 * people of a process that died leave by themselves when their entries run out.
 */
export interface PresenceStore {
  /** Adds or renews entries: [room, member, who, expiresAt (epoch ms)]. */
  put(entries: readonly (readonly [string, string, ChatAuthor, number])[]): Promise<void>;
  remove(room: string, member: string): Promise<void>;
  /** The people in each room now (entries not yet expired), one per user id. */
  list(rooms: readonly string[]): Promise<Map<string, ChatAuthor[]>>;
  close(): Promise<void>;
}

function dedupe(authors: Iterable<ChatAuthor>): ChatAuthor[] {
  const byUser = new Map<number, ChatAuthor>();
  for (const a of authors) if (!byUser.has(a.userId)) byUser.set(a.userId, a);
  return [...byUser.values()].sort((a, b) => a.userId - b.userId);
}

/** One process (the in-memory bus): presence is this process's own. */
export class MemoryPresence implements PresenceStore {
  private readonly rooms = new Map<string, Map<string, { who: ChatAuthor; until: number }>>();

  async put(entries: readonly (readonly [string, string, ChatAuthor, number])[]): Promise<void> {
    for (const [room, member, who, until] of entries) {
      let m = this.rooms.get(room);
      if (!m) this.rooms.set(room, (m = new Map()));
      m.set(member, { who, until });
    }
  }

  async remove(room: string, member: string): Promise<void> {
    const m = this.rooms.get(room);
    if (!m) return;
    m.delete(member);
    if (m.size === 0) this.rooms.delete(room);
  }

  async list(rooms: readonly string[]): Promise<Map<string, ChatAuthor[]>> {
    const now = Date.now();
    const out = new Map<string, ChatAuthor[]>();
    for (const room of rooms) {
      const m = this.rooms.get(room);
      const live: ChatAuthor[] = [];
      if (m) {
        for (const [member, e] of m) {
          if (e.until > now) live.push(e.who);
          else m.delete(member);
        }
      }
      out.set(room, dedupe(live));
    }
    return out;
  }

  async close(): Promise<void> {
    this.rooms.clear();
  }
}

/**
 * Several processes (REDIS_URL): a sorted set per chat room, member `process:user|who-json`
 * scored by its expiry time. Reads drop expired members first; the key itself expires once no
 * process renews anything in it.
 */
export class RedisPresence implements PresenceStore {
  private constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly keyTtlS: number,
  ) {}

  static create(url: string, prefix: string, ttlMs: number): RedisPresence {
    const redis = new Redis(url, {
      connectionName: 'ordercast-presence',
      // Presence is best effort: while Redis is down calls fail fast and the next renewal repairs it.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy: (times: number) => Math.min(100 * times, 2000),
    });
    redis.on('error', () => {});
    return new RedisPresence(redis, prefix, Math.ceil((ttlMs * 2) / 1000));
  }

  private key(room: string): string {
    return `${this.prefix}${room}`;
  }

  /** Members carry who they are, so one read answers "who is here" with no second lookup. */
  private static member(member: string, who: ChatAuthor): string {
    return `${member}|${JSON.stringify(who)}`;
  }

  async put(entries: readonly (readonly [string, string, ChatAuthor, number])[]): Promise<void> {
    if (!entries.length || this.redis.status !== 'ready') return;
    const p = this.redis.pipeline();
    for (const [room, member, who, until] of entries) {
      const key = this.key(room);
      p.zadd(key, until, RedisPresence.member(member, who));
      p.expire(key, this.keyTtlS);
    }
    await p.exec();
  }

  async remove(room: string, member: string): Promise<void> {
    if (this.redis.status !== 'ready') return;
    // The member's text starts with `member|` (who it is follows): find it among the room's few members.
    const key = this.key(room);
    const all = await this.redis.zrange(key, 0, -1);
    const mine = all.filter((m) => m.startsWith(`${member}|`));
    if (mine.length) await this.redis.zrem(key, ...mine);
  }

  async list(rooms: readonly string[]): Promise<Map<string, ChatAuthor[]>> {
    const out = new Map<string, ChatAuthor[]>();
    if (!rooms.length) return out;
    if (this.redis.status !== 'ready') throw new Error('presence store not connected');
    const now = Date.now();
    const p = this.redis.pipeline();
    for (const room of rooms) {
      p.zremrangebyscore(this.key(room), '-inf', now);
      p.zrange(this.key(room), 0, -1);
    }
    const res = (await p.exec()) ?? [];
    rooms.forEach((room, i) => {
      const members = (res[i * 2 + 1]?.[1] as string[] | undefined) ?? [];
      const who: ChatAuthor[] = [];
      for (const m of members) {
        try {
          who.push(JSON.parse(m.slice(m.indexOf('|') + 1)) as ChatAuthor);
        } catch {
          /* a malformed member is skipped; it expires */
        }
      }
      out.set(room, dedupe(who));
    });
    return out;
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => {});
    this.redis.disconnect();
  }
}

/** Rows per INSERT of `SqlPresence.put`: a node's renewal of many rooms stays a few statements of bounded size. */
const PUT_BATCH = 500;

/**
 * Several nodes on one PostgreSQL database with no Redis (the PostgreSQL bus): a `chat_presence`
 * row per room and member (schema.ts), `who` as JSON and its expiry in epoch ms. Written on the
 * `Sql` contract, so it runs on SQLite too. Reads skip expired rows; whichever node writes deletes
 * the expired rows of every node now and then (rows of a node that died stay until then, unseen).
 */
export class SqlPresence implements PresenceStore {
  private readonly q: {
    put: Statement<{ entries: string }>;
    remove: Statement<{ room: string; member: string }>;
    list: Statement<{ rooms: string; now: number }, { room: string; who: string }>;
    purge: Statement<{ now: number }>;
  };
  private purgedAt = Date.now();

  /** `purgeEveryMs`: how often at most this node deletes expired rows (on a write). */
  constructor(
    sql: Sql,
    private readonly purgeEveryMs = 60_000,
  ) {
    // One statement per batch: the entries as a JSON array of [room, member, who-json, expiresAt].
    const upsert = 'ON CONFLICT (room, member) DO UPDATE SET who = excluded.who, expires_at = excluded.expires_at';
    this.q = {
      put: sql.prepare({
        // `WHERE true`: SQLite otherwise reads the ON of ON CONFLICT as a join's.
        sqlite: `INSERT INTO chat_presence (room, member, who, expires_at)
          SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]'), json_extract(value, '$[3]')
          FROM json_each(@entries) WHERE true ${upsert}`,
        postgres: `INSERT INTO chat_presence (room, member, who, expires_at)
          SELECT e->>0, e->>1, e->>2, (e->>3)::bigint FROM json_array_elements(@entries::json) AS e ${upsert}`,
      }),
      remove: sql.prepare('DELETE FROM chat_presence WHERE room = @room AND member = @member'),
      list: sql.prepare(sqlText`SELECT room, who FROM chat_presence WHERE ${inJsonTexts('room', 'rooms')} AND expires_at > @now`),
      purge: sql.prepare('DELETE FROM chat_presence WHERE expires_at <= @now'),
    };
  }

  async put(entries: readonly (readonly [string, string, ChatAuthor, number])[]): Promise<void> {
    // One row per key (the last entry wins): PostgreSQL refuses an upsert touching a row twice.
    const byKey = new Map<string, [string, string, string, number]>();
    for (const [room, member, who, until] of entries) byKey.set(`${room}\u0000${member}`, [room, member, JSON.stringify(who), until]);
    const rows = [...byKey.values()];
    for (let i = 0; i < rows.length; i += PUT_BATCH) await this.q.put.run({ entries: JSON.stringify(rows.slice(i, i + PUT_BATCH)) });
    const now = Date.now();
    if (now - this.purgedAt >= this.purgeEveryMs) {
      this.purgedAt = now;
      await this.q.purge.run({ now });
    }
  }

  async remove(room: string, member: string): Promise<void> {
    await this.q.remove.run({ room, member });
  }

  async list(rooms: readonly string[]): Promise<Map<string, ChatAuthor[]>> {
    const out = new Map<string, ChatAuthor[]>();
    if (!rooms.length) return out;
    const byRoom = new Map<string, ChatAuthor[]>(rooms.map((r) => [r, []]));
    for (const row of await this.q.list.all({ rooms: JSON.stringify(rooms), now: Date.now() })) {
      try {
        byRoom.get(row.room)?.push(JSON.parse(row.who) as ChatAuthor);
      } catch {
        /* a malformed row is skipped; it expires */
      }
    }
    for (const [room, who] of byRoom) out.set(room, dedupe(who));
    return out;
  }

  /** The database is the app's: closed with it. */
  async close(): Promise<void> {}
}
