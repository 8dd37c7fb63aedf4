import dns from 'node:dns/promises';
import { isIP } from 'node:net';
import { AddressPolicy } from '@authpipe/microsoft';
import { ApiError } from '../common/api-error';

const REMEDIATION =
  'Use a public https:// URL. A private, loopback or link-local target must be allowed by the operator ' +
  '(AUTHPIPE_WEBHOOK_ALLOW_PRIVATE_NETWORKS).';

function refused(message: string): ApiError {
  return new ApiError('webhook_url_not_allowed', message, { remediation: REMEDIATION });
}

/**
 * Checks a webhook endpoint URL when it is stored: https only, no user information, and a host
 * that does not resolve (now) to an address the operator has not allowed. This is for a clear
 * answer at once; the HTTP layer checks again at every connection, after DNS, so a name that
 * resolves elsewhere later (DNS rebinding) is still refused. A name that does not resolve yet is
 * accepted: its deliveries fail (and are retried) until it does.
 *
 * @throws ApiError `webhook_url_not_allowed` (400)
 */
export async function checkWebhookUrl(raw: string, policy: AddressPolicy): Promise<string> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw refused('The webhook URL is not a valid URL.');
  }
  if (url.protocol !== 'https:') throw refused('Webhook URLs must use https://.');
  if (url.username !== '' || url.password !== '') throw refused('Webhook URLs must not carry user information.');
  url.hash = '';
  const host = url.hostname.replace(/^\[|\]$/g, '');
  let addresses: string[];
  if (isIP(host) !== 0) addresses = [host];
  else {
    try {
      addresses = (await dns.lookup(host, { all: true, verbatim: true })).map((a) => a.address);
    } catch {
      addresses = [];
    }
  }
  for (const address of addresses) {
    const range = policy.refusal(address);
    if (range !== null) throw refused(`The webhook URL's host resolves to a ${range} address, which is not allowed.`);
  }
  return url.toString();
}
