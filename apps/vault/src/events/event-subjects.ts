import type { EventPayload } from './events.types';

/** What an event is about: a credential (installation or connection), an app, or nothing in particular. */
export interface EventSubject {
  kind: 'installation' | 'connection' | 'app';
  id: string;
}

const text = (value: unknown): string | null => (typeof value === 'string' && value !== '' ? value : null);

/**
 * The subject of an event, from its type and payload: `installation.*` and `connection.*` events
 * name their record, `credential.*` events name the credential and its kind, `app.*` events the app.
 * Webhooks are ordered and numbered per subject; issues are kept per subject.
 */
export function subjectOf(type: string, payload: EventPayload): EventSubject | null {
  const [family] = type.split('.');
  switch (family) {
    case 'installation': {
      const id = text(payload.installationId);
      return id ? { kind: 'installation', id } : null;
    }
    case 'connection': {
      const id = text(payload.connectionId);
      return id ? { kind: 'connection', id } : null;
    }
    case 'credential': {
      const id = text(payload.credentialId);
      const kind = payload.kind === 'installation' ? 'installation' : 'connection';
      return id ? { kind, id } : null;
    }
    case 'app': {
      const id = text(payload.appId);
      return id ? { kind: 'app', id } : null;
    }
    default:
      return null;
  }
}
