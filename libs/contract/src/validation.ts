import type { z } from 'zod';
import type { ValidationIssue } from './errors/error-body';

/** The outcome of {@link validate}: the parsed value, or one issue per problem, written for people. */
export type Validated<T> = { success: true; data: T } | { success: false; issues: ValidationIssue[] };

interface RawIssue {
  code: string;
  input?: unknown;
  path?: PropertyKey[];
  values?: unknown[];
  expected?: string;
  keys?: string[];
  inst?: unknown;
}

const list = (values: readonly unknown[]): string => values.map((value) => JSON.stringify(value)).join(', ');

/** Edit distance, for "did you mean". */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length];
}

/** The known key closest to `key`, when it is close enough to be a typo. */
export function closestKey(key: string, known: readonly string[]): string | undefined {
  let best: { key: string; score: number } | undefined;
  for (const candidate of known) {
    const score = candidate.toLowerCase() === key.toLowerCase() ? 0 : distance(key, candidate);
    if (best === undefined || score < best.score) best = { key: candidate, score };
  }
  return best !== undefined && best.score <= Math.max(2, Math.floor(key.length / 3)) ? best.key : undefined;
}

function shapeKeys(inst: unknown): string[] {
  const shape = (inst as { _zod?: { def?: { shape?: Record<string, unknown> } } } | undefined)?._zod?.def?.shape;
  return shape !== undefined ? Object.keys(shape) : [];
}

/**
 * Messages for the common problems, in the words a developer expects: "required" for a missing
 * field, the allowed values of an enum, the expected type. Never the input's value, which may be
 * a secret.
 */
function message(issue: RawIssue): string | undefined {
  const missing = issue.input === undefined;
  switch (issue.code) {
    case 'invalid_type':
      return missing ? 'required' : `must be ${issue.expected === 'array' ? 'an' : 'a'} ${issue.expected}`;
    case 'invalid_value':
      if (issue.values === undefined) return undefined;
      if (missing)
        return issue.values.length === 1 ? `required: ${list(issue.values)}` : `required: one of ${list(issue.values)}`;
      return issue.values.length === 1 ? `must be ${list(issue.values)}` : `must be one of ${list(issue.values)}`;
    case 'invalid_union':
      return missing ? 'required' : undefined;
    default:
      return undefined;
  }
}

function valueAt(value: unknown, path: readonly PropertyKey[]): unknown {
  let current = value;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

/**
 * Parses `value` with `schema` and, on failure, describes every problem with its dotted path:
 * "required" for missing fields, and each unknown key on its own with a "did you mean" when a
 * known key is close (`tenantid` → `tenantId`).
 */
export function validate<S extends z.ZodType>(schema: S, value: unknown): Validated<z.output<S>> {
  const knownKeys = new Map<string, string[]>();
  const parsed = schema.safeParse(value, {
    error: (raw) => {
      const issue = raw as unknown as RawIssue;
      if (issue.code === 'unrecognized_keys') knownKeys.set(JSON.stringify(issue.path ?? []), shapeKeys(issue.inst));
      return message(issue);
    },
  });
  if (parsed.success) return { success: true, data: parsed.data };
  const issues: ValidationIssue[] = [];
  for (const issue of parsed.error.issues) {
    const path = issue.path.map(String);
    if (issue.code === 'unrecognized_keys') {
      const known = knownKeys.get(JSON.stringify(issue.path)) ?? [];
      for (const key of issue.keys) {
        const suggestion = closestKey(key, known);
        // A key is input: shown shortened, in case it is a whole misparsed body.
        const shown = key.length > 60 ? `${key.slice(0, 60)}…` : key;
        issues.push({
          path: [...path, shown].join('.'),
          message:
            suggestion !== undefined
              ? `unknown field; did you mean "${suggestion}"?`
              : `unknown field; known fields: ${known.join(', ')}`,
        });
      }
      continue;
    }
    // A discriminated union's missing discriminator bypasses the error map.
    const discriminator = /^Invalid discriminator value\. Expected (.+)$/.exec(issue.message);
    if (discriminator !== null && valueAt(value, issue.path) === undefined) {
      issues.push({ path: path.join('.'), message: `required: one of ${discriminator[1]}` });
      continue;
    }
    issues.push({ path: path.join('.'), message: issue.message });
  }
  return { success: false, issues };
}
