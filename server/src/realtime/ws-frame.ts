import * as wsModule from 'ws';
import { WebSocket } from 'ws';

/*
 * A server's frames are unmasked, so one text message has the same bytes on every socket: the
 * frame is built once per event and each socket's sender writes it as it is. That is how Socket.IO
 * broadcasts (ws's Sender.frame + sendFrame, the way ws's maintainers suggest in ws issue 617).
 * Header and payload go in one buffer, so each socket costs one write instead of a cork, two
 * writes and a writev. It relies on perMessageDeflate being off (no frame is ever queued
 * behind a compression), which the realtime plugin sets.
 */

/** A complete, unmasked WebSocket frame: what `sendFrame` writes. */
export type WsFrame = readonly [Buffer];

interface FrameOptions {
  fin: boolean;
  rsv1: boolean;
  opcode: number;
  mask: boolean;
  readOnly: boolean;
}
interface SenderClass {
  frame(data: Buffer, options: FrameOptions): Buffer[];
}
interface SenderInternals {
  sendFrame(list: WsFrame, cb?: (err?: Error) => void): void;
}

const Sender = (wsModule as unknown as { Sender: SenderClass }).Sender;
const TEXT_OPCODE = 1;

export function textFrame(json: string): WsFrame {
  return textFrames([json]);
}

/**
 * Several text messages back to back in one buffer (a resume replay's batch): one write for the
 * lot instead of one per event.
 */
export function textFrames(jsons: readonly string[]): WsFrame {
  const parts: Buffer[] = [];
  for (const json of jsons) parts.push(...Sender.frame(Buffer.from(json), { fin: true, rsv1: false, opcode: TEXT_OPCODE, mask: false, readOnly: false }));
  return [Buffer.concat(parts)];
}

/** Writes a prepared frame if the socket is open (a closing one gets nothing more, as with ws.send). */
export function sendFrame(ws: WebSocket, frame: WsFrame): void {
  if (ws.readyState === WebSocket.OPEN) (ws as unknown as { _sender: SenderInternals })._sender.sendFrame(frame);
}
