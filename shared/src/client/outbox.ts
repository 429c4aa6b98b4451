import type { ClientMessage } from '../schemas/realtime';

const MAX_QUEUE = 1000;

/**
 * What the app asked to send: the hand-joined (and left) rooms, re-sent after every reconnect, and
 * other messages queued while there is no live connection (oldest dropped past a bound).
 */
export class Outbox {
  readonly joined = new Set<string>();
  readonly left = new Set<string>();
  private readonly queue: ClientMessage[] = [];

  join(roomId: string): void {
    this.left.delete(roomId);
    this.joined.add(roomId);
  }

  leave(roomId: string): void {
    this.joined.delete(roomId);
    this.left.add(roomId);
  }

  enqueue(m: ClientMessage): void {
    if (m.type === 'join-room' || m.type === 'leave-room') return; // re-sent from the room sets anyway
    if (m.type === 'typing') return; // ephemeral: stale by the time a connection is back
    this.queue.push(m);
    if (this.queue.length > MAX_QUEUE) this.queue.shift();
  }

  /** After `connected`: rooms first (so queued messages see them), then the queue; what cannot go now stays. */
  flush(deliver: (m: ClientMessage) => boolean): void {
    for (const roomId of this.joined) deliver({ type: 'join-room', data: { roomId } });
    for (const roomId of this.left) deliver({ type: 'leave-room', data: { roomId } });
    for (const m of this.queue.splice(0)) if (!deliver(m)) this.enqueue(m);
  }
}
