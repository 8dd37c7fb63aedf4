import type { FastifyReply } from 'fastify';
import type { FlowResponse } from './completion';
import { bindingCookie, clearBindingCookie } from '../states/browser-binding';

/** Sends a flow's answer: a 302 (no-store, no referrer) or a rendered page with its CSP. */
export function sendFlowResponse(
  reply: FastifyReply,
  response: FlowResponse,
  cookie?: { set: string } | { clear: true },
  secure = false,
): void {
  if (cookie !== undefined) {
    reply.header('set-cookie', 'set' in cookie ? bindingCookie(cookie.set, secure, 600) : clearBindingCookie(secure));
  }
  if (response.kind === 'redirect') {
    reply.header('cache-control', 'no-store').header('referrer-policy', 'no-referrer').redirect(response.location, 302);
    return;
  }
  const { page } = response;
  reply.status(page.status).headers(page.headers).send(page.html);
}
