import type { FastifyReply } from 'fastify';
import type { FlowResponse } from './completion';
import { bindingCookie } from '../states/browser-binding';

/**
 * Sends a flow's answer: a 302 (no-store, no referrer) or a rendered page with its CSP. The
 * binding cookie is (re)set by the start steps only; it names the browser and outlives one flow
 * (another tab's flow may still need it), so a finished flow leaves it to expire.
 */
export function sendFlowResponse(
  reply: FastifyReply,
  response: FlowResponse,
  cookie?: { set: string },
  secure = false,
): void {
  if (cookie !== undefined) reply.header('set-cookie', bindingCookie(cookie.set, secure));
  if (response.kind === 'redirect') {
    reply.header('cache-control', 'no-store').header('referrer-policy', 'no-referrer').redirect(response.location, 302);
    return;
  }
  const { page } = response;
  reply.status(page.status).headers(page.headers).send(page.html);
}
