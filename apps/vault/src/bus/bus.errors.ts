/** Stable codes of {@link InvalidationBusError}. */
export type InvalidationBusErrorCode =
  /** The message is not one of the catalog's, or its fields do not match its type. */
  | 'bus_message_invalid'
  /** A field name of the message names a secret (a bug in the caller; nothing was sent). */
  | 'bus_message_names_secret'
  /** The encoded message would not fit PostgreSQL's NOTIFY payload limit. */
  | 'bus_message_too_large';

/**
 * A message the invalidation bus refuses to send: always a programming error, raised before
 * anything is sent. The message names the type and field names only, never a field's value.
 */
export class InvalidationBusError extends Error {
  constructor(
    readonly code: InvalidationBusErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'InvalidationBusError';
  }
}
