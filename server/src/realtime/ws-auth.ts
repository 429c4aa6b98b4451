import { Compile } from 'typebox/compile';
import { Type } from 'typebox';
import type { RawData, WebSocket } from 'ws';
import { CLOSE_CODES } from '@ordercast/shared';
import { AuthRequest } from '@ordercast/shared/schemas';
import { HttpError } from '../lib/errors';
import type { RealtimeIdentity } from './auth';
import { socketError, type RealtimeContext } from './context';

const checkAuth = Compile(Type.Object({ type: Type.Literal('auth'), data: AuthRequest }));

/**
 * Seed 002: a WebSocket opened without a credential signs in with its first message,
 * `{"type":"auth","data":{"token":…}}`, within `authTimeoutMs`. Until then it is not a connection
 * (no rooms, no hub entry, nothing sent to it) and what it may cost is bounded: at most
 * `maxPendingAuth` such sockets per process (more are closed 1013 at once), one message each
 * (frames are capped by MAX_CLIENT_FRAME_BYTES, the token by MAX_AUTH_TOKEN_LENGTH), and the
 * timeout. Anything but a valid `auth` first (another type, bad JSON, a bad token) is an `error`
 * `unauthorized` and a 4401 close, as a bad `?token=` would be. On success `admit` takes the
 * socket exactly as if the token had been in the URL.
 */
export function awaitAuth(rt: RealtimeContext, socket: WebSocket, admit: (id: RealtimeIdentity) => void): void {
  const { authTimeoutMs, maxPendingAuth } = rt.limits;
  if (rt.pendingAuth >= maxPendingAuth) {
    rt.metrics.pendingAuthRefusals++;
    socket.close(CLOSE_CODES.tryAgainLater, 'too_many_pending: too many connections waiting to sign in; retry later');
    return;
  }
  rt.pendingAuth++;
  let settled = false;
  const settle = (): boolean => {
    if (settled) return false;
    settled = true;
    rt.pendingAuth--;
    clearTimeout(timer);
    socket.off('message', onMessage);
    socket.off('close', onClose);
    return true;
  };
  const refuse = (code: string, message: string) => {
    if (!settle()) return;
    rt.metrics.authFailures++;
    if (socket.readyState !== socket.OPEN) return;
    socket.send(socketError('unauthorized', message));
    socket.close(CLOSE_CODES.unauthorized, `${code}: ${message}`.slice(0, 120));
  };
  const timer = setTimeout(() => refuse('auth_timeout', `No auth message within ${authTimeoutMs} ms`), authTimeoutMs);
  const onClose = () => void settle();
  const onMessage = (data: RawData) => {
    let msg: unknown;
    try {
      msg = JSON.parse((data as Buffer).toString());
    } catch {
      msg = undefined;
    }
    if (!checkAuth.Check(msg)) {
      refuse('unauthorized', 'Sign in first: the first message must be {"type":"auth","data":{"token":"…"}}');
      return;
    }
    rt.identifyToken(msg.data.token).then(
      (id: RealtimeIdentity) => {
        // The wait may have ended meanwhile (timeout, socket closed): then nothing is admitted.
        if (settle()) admit(id);
      },
      (err: unknown) => {
        if (err instanceof HttpError) refuse(err.code, err.message);
        else {
          rt.logger.error({ err }, 'realtime authentication failed');
          refuse('unauthorized', 'Could not check the credential; try again');
        }
      },
    );
  };
  socket.on('message', onMessage);
  socket.on('close', onClose);
}
