import { randomBytes } from 'node:crypto';
import type { AppRegistration, CloudName, DirectoryUser } from '../directory/directory.types';
import type { ParsedScopes } from '../tokens/scopes';
import type { ClaimsRequest } from './claims-request';
import type { ResponseMode } from './redirect-uris';
import type { TenantSegment } from './login-origin';

const PENDING_LIFETIME_MS = 30 * 60 * 1000;
const MAX_PENDING = 10_000;

/** A validated authorize or admin-consent request waiting for the person on the sign-in page. */
export interface PendingRequest {
  /** `adminconsent-v1`: the older /{tenant}/adminconsent path, which answers without `scope`. */
  kind: 'authorize' | 'adminconsent' | 'adminconsent-v1';
  app: AppRegistration;
  tenant: TenantSegment;
  /** The cloud of the login host the request came to: only that cloud's tenants can sign in. */
  cloud: CloudName;
  redirectUri: string;
  responseMode: ResponseMode;
  state: string | undefined;
  /** The `scope` parameter as sent (echoed by admin consent). */
  scope: string;
  scopes: ParsedScopes;
  codeChallenge: string | null;
  nonce: string | null;
  loginHint: string | null;
  prompt: string | null;
  clientInfo: boolean;
  /** The `claims` parameter: client capabilities and answers to Conditional Access challenges. */
  claims: ClaimsRequest;
  /** Set once the person was shown "Need admin approval": the only way on is back to the app. */
  adminApprovalShown: boolean;
  /** Accounts the page offers (at most a page full; any eligible account may still be typed). */
  candidates: DirectoryUser[];
  createdAt: number;
}

/** Pending sign-ins by an opaque id placed in the form; each is used once. */
export class PendingRequests {
  private readonly pending = new Map<string, PendingRequest>();

  add(request: PendingRequest): string {
    const id = randomBytes(18).toString('base64url');
    if (this.pending.size >= MAX_PENDING) this.pending.delete(this.pending.keys().next().value as string);
    this.pending.set(id, request);
    return id;
  }

  peek(id: string, nowMs: number): PendingRequest | undefined {
    const request = this.pending.get(id);
    if (request && nowMs - request.createdAt > PENDING_LIFETIME_MS) {
      this.pending.delete(id);
      return undefined;
    }
    return request;
  }

  take(id: string, nowMs: number): PendingRequest | undefined {
    const request = this.peek(id, nowMs);
    this.pending.delete(id);
    return request;
  }

  clear(): void {
    this.pending.clear();
  }
}
