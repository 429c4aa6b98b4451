/**
 * Where the client stands in the server's event log. `lastEventId` is the highest id seen (anything
 * at or below it is a duplicate: replayed, or delivered by both transports while switching);
 * `resumeFrom` is what a reconnect asks to resume after.
 */
export class ResumePoint {
  lastEventId: number;
  resumeFrom: number;

  constructor(start = 0) {
    this.lastEventId = this.resumeFrom = start;
  }

  /** A durable event arrived: false if it is a duplicate, else it becomes the resume point. */
  accept(id: number): boolean {
    if (id <= this.lastEventId) return false;
    this.lastEventId = this.resumeFrom = id;
    return true;
  }

  /** `connected` told the log's head: a fresh client (no point yet) starts there, so a drop before its first event loses nothing. */
  connectedAt(head: unknown): void {
    if (this.resumeFrom === 0 && typeof head === 'number' && head > 0) this.lastEventId = this.resumeFrom = head;
  }

  /**
   * The server no longer has our point (or never had it: a reset database). The app refetches; any
   * next id is accepted. Until one comes, reconnects still send the old point, so a drop in between
   * brings another resync rather than a silent gap.
   */
  resync(): void {
    this.lastEventId = 0;
  }
}
