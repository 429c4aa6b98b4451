import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import {
  ChatHistoryQuery,
  ChatHistoryResponse,
  ChatReadState,
  ChatTypingBody,
  ChatUnreadResponse,
  ErrorBody,
  IdParams,
  MarkChatReadBody,
  SendChatMessageBody,
  SendChatMessageResponse,
} from '@ordercast/shared/schemas';
import { CHAT_PAGE_DEFAULT } from '@ordercast/shared';
import { RateLimited } from '../../chat/service';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody, 429: ErrorBody };

/**
 * An order's chat (issue 18), for its customer and the staff who see its city alike (one rule,
 * chat/access.ts). Messages go over REST on every transport (idempotent by clientId); they come
 * back to everyone as `order-message` events.
 */
const chatRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/orders/:id/chat',
    { schema: { params: IdParams, querystring: ChatHistoryQuery, response: { 200: ChatHistoryResponse, ...errors } } },
    async (req) => {
      const orderId = req.params.id;
      await app.chat.access(req.principal, orderId);
      const page = await app.chat.history(orderId, req.query.before, req.query.limit ?? CHAT_PAGE_DEFAULT);
      return { orderId, ...page, read: await app.chat.readState(orderId) };
    },
  );

  app.post(
    '/orders/:id/chat/messages',
    { schema: { params: IdParams, body: SendChatMessageBody, response: { 200: SendChatMessageResponse, 201: SendChatMessageResponse, ...errors } } },
    async (req, reply) => {
      try {
        const res = await app.chat.send(req.principal, req.params.id, req.body.clientId, req.body.text);
        // A message ends its author's "typing…" for the others.
        if (!res.duplicate) await app.chatRealtime.typingOf(req.principal, req.params.id, false);
        return reply.code(res.duplicate ? 200 : 201).send(res);
      } catch (err) {
        if (err instanceof RateLimited) reply.header('retry-after', String(err.retryAfterS));
        throw err;
      }
    },
  );

  app.post(
    '/orders/:id/chat/read',
    { schema: { params: IdParams, body: MarkChatReadBody, response: { 200: ChatReadState, ...errors } } },
    async (req) => app.chat.markRead(req.principal, req.params.id, req.body.upToId),
  );

  app.post(
    '/orders/:id/chat/typing',
    {
      schema: {
        description: 'Typing in an order chat for clients without an upstream channel (SSE); WebSocket clients send a `typing` message.',
        params: IdParams,
        body: Type.Optional(ChatTypingBody),
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (req, reply) => {
      await app.chat.access(req.principal, req.params.id);
      await app.chatRealtime.typingOf(req.principal, req.params.id, req.body?.typing ?? true);
      return reply.code(204).send(null);
    },
  );

  app.get('/chat/unread', { schema: { response: { 200: ChatUnreadResponse, ...errors } } }, async (req) => app.chat.unread(req.principal));
};

export default chatRoutes;
