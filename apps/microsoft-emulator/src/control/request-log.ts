/** One request as tests see it: never a query string, body, header, code or token. */
export interface LoggedRequest {
  at: string;
  method: string;
  path: string;
  grantType: string | null;
  status: number | null;
  /** The fault applied to this request, if any. */
  fault: string | null;
  /** Graph's `request-id` of the answer (what a client records as the correlation id); null elsewhere. */
  requestId: string | null;
}

const MAX_ENTRIES = 5_000;

/** A bounded log of the requests the emulator served, for tests to assert on. */
export class RequestLog {
  private entries: LoggedRequest[] = [];

  add(entry: LoggedRequest): void {
    this.entries.push(entry);
    if (this.entries.length > MAX_ENTRIES) this.entries = this.entries.slice(-MAX_ENTRIES);
  }

  list(): LoggedRequest[] {
    return [...this.entries];
  }

  clear(): void {
    this.entries = [];
  }
}
