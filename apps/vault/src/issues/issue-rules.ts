import type { EventPayload } from '../events/events.types';

/** What one event means for the issues of its subject. */
export type IssueEffect =
  | { action: 'open'; kind: string; supersedes?: readonly string[] }
  | { action: 'resolve'; kinds?: readonly string[]; resolution: 'recovered' | 'deleted' }
  | { action: 'none' };

/** Credential statuses that are a problem an operator should see (one issue each while it lasts). */
const CREDENTIAL_PROBLEMS = ['needs_reauth', 'revoked', 'access_lost', 'degraded'] as const;

/** App-level issue kinds. */
const APP_CREDENTIAL_KINDS = ['app_credential_expiring', 'app_credential_expired'] as const;

const NONE: IssueEffect = { action: 'none' };

/**
 * The issue rules, by event type: a status change to a problem opens (or counts) that problem's
 * issue and supersedes the subject's other credential problems; recovery, re-authorization and
 * deletion resolve. A credential flagged because its app's own credential is bad opens no issue
 * of its own: the app's one `app_misconfigured` issue stands for all of them.
 */
export function issueEffectOf(type: string, payload: EventPayload): IssueEffect {
  switch (type) {
    case 'credential.status_changed': {
      const to = typeof payload.to === 'string' ? payload.to : '';
      if (to === 'active') return { action: 'resolve', resolution: 'recovered' };
      if ((CREDENTIAL_PROBLEMS as readonly string[]).includes(to)) {
        return { action: 'open', kind: to, supersedes: CREDENTIAL_PROBLEMS.filter((k) => k !== to) };
      }
      return NONE;
    }
    case 'credential.recovered':
    case 'installation.reauthorized':
    case 'connection.reauthorized':
      return { action: 'resolve', resolution: 'recovered' };
    case 'credential.expiring':
      return { action: 'open', kind: 'credential_expiring' };
    case 'installation.deleted':
    case 'connection.deleted':
    case 'app.deleted':
      return { action: 'resolve', resolution: 'deleted' };
    case 'app.misconfigured':
      return { action: 'open', kind: 'app_misconfigured' };
    case 'app.recovered':
      return { action: 'resolve', kinds: ['app_misconfigured'], resolution: 'recovered' };
    case 'app.checked':
      return payload.ok === true ? { action: 'resolve', kinds: ['app_misconfigured'], resolution: 'recovered' } : NONE;
    case 'app.credential_expiring':
      return { action: 'open', kind: 'app_credential_expiring' };
    case 'app.credential_expired':
      return { action: 'open', kind: 'app_credential_expired', supersedes: ['app_credential_expiring'] };
    case 'app.updated': {
      const fields = Array.isArray(payload.fields) ? payload.fields : [];
      return fields.includes('credential')
        ? { action: 'resolve', kinds: APP_CREDENTIAL_KINDS, resolution: 'recovered' }
        : NONE;
    }
    default:
      return NONE;
  }
}
