import { randomUUID } from 'node:crypto';
import { z } from 'zod';

export const faultRuleSchema = z
  .object({
    /** status: answer 401/429/500/503; latency: delay then serve; drop: destroy the connection; reply_lost: serve, then destroy the connection instead of replying. */
    kind: z.enum(['status', 'latency', 'drop', 'reply_lost']),
    status: z.union([z.literal(401), z.literal(429), z.literal(500), z.literal(503)]).optional(),
    /**
     * Only requests whose bearer token has this SHA-256 (hex): with status 401, Graph refusing one
     * token it would otherwise accept (revoked under CAE, a key rolled). The token itself is never
     * sent to the control API, so it never lands in its replies.
     */
    tokenSha256: z
      .string()
      .regex(/^[0-9a-f]{64}$/)
      .optional(),
    retryAfterSeconds: z.number().int().min(0).max(3600).optional(),
    latencyMs: z.number().int().min(0).max(60_000).optional(),
    /** Only requests whose path starts with this (e.g. `/common/oauth2/v2.0/token`, `/v1.0/drives`). */
    pathPrefix: z.string().startsWith('/').default('/'),
    /** Applies to the next N matching requests. */
    count: z.number().int().min(1).optional(),
    /** Applies to this fraction of matching requests, until removed. */
    fraction: z.number().min(0).max(1).optional(),
  })
  .refine((r) => r.kind !== 'status' || r.status !== undefined, { message: 'status faults need a status' })
  .refine((r) => r.kind !== 'latency' || r.latencyMs !== undefined, { message: 'latency faults need latencyMs' })
  .refine((r) => r.count === undefined || r.fraction === undefined, { message: 'give count or fraction, not both' });

export type FaultRuleInput = z.input<typeof faultRuleSchema>;
export type FaultRule = z.output<typeof faultRuleSchema> & { id: string; remaining: number | null };

/**
 * Faults for the next N requests or a fraction of them, matched by path prefix. The first rule
 * that fires wins; rules with a count disappear once used up.
 */
export class FaultInjector {
  private rules: FaultRule[] = [];

  constructor(private readonly random: () => number = Math.random) {}

  add(input: FaultRuleInput): FaultRule {
    const parsed = faultRuleSchema.parse(input);
    const remaining = parsed.fraction === undefined ? (parsed.count ?? 1) : null;
    const rule: FaultRule = { ...parsed, id: randomUUID(), remaining };
    this.rules.push(rule);
    return rule;
  }

  list(): FaultRule[] {
    return this.rules.map((r) => ({ ...r }));
  }

  remove(id: string): boolean {
    const before = this.rules.length;
    this.rules = this.rules.filter((r) => r.id !== id);
    return this.rules.length !== before;
  }

  clear(): void {
    this.rules = [];
  }

  /**
   * The fault for a request to `path` (whose bearer token's SHA-256 `tokenSha256` gives, when
   * a rule names one), consuming one use of a counted rule.
   */
  take(path: string, tokenSha256: () => string | null = () => null): FaultRule | null {
    if (this.rules.length === 0) return null;
    for (const rule of this.rules) {
      if (!path.startsWith(rule.pathPrefix)) continue;
      if (rule.tokenSha256 !== undefined && rule.tokenSha256 !== tokenSha256()) continue;
      if (rule.remaining !== null) {
        rule.remaining -= 1;
        if (rule.remaining <= 0) this.rules = this.rules.filter((r) => r !== rule);
        return rule;
      }
      if (this.random() < (rule.fraction ?? 0)) return rule;
    }
    return null;
  }
}
