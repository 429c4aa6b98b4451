import { Type } from 'typebox';
import { ErrorBody } from '@ordercast/shared/schemas';

/**
 * What the documentation says about the realtime routes that do not answer JSON. Their inputs are
 * read by hand on purpose (a token may come as `?token=`, `?ticket=` or a header; `Last-Event-ID`
 * as a header or `?lastEventId=`), so only the answers are declared here.
 */
export const sseSchema = {
  summary: 'Realtime events as Server-Sent Events',
  description:
    'Auth by `?token=JWT` or `?ticket=`; resume by `Last-Event-ID` header or `?lastEventId=N`; `?rooms=a,b` joins rooms first. ' +
    'Each message has `id:` and `data:` holding the same JSON as the WebSocket (see docs/events.md).',
  response: {
    200: { description: 'An endless event stream', content: { 'text/event-stream': { schema: Type.String() } } },
    401: ErrorBody,
    503: ErrorBody,
  },
};

export const metricsSchema = {
  summary: 'Prometheus metrics',
  response: {
    200: { description: 'Prometheus text exposition format', content: { 'text/plain': { schema: Type.String() } } },
    401: ErrorBody,
    403: ErrorBody,
  },
};
