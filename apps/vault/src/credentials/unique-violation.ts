import { Prisma } from '@authpipe/prisma';

/** Whether Prisma refused a write because a unique index already holds the key (P2002). */
export function isUniqueViolation(error: unknown): boolean {
  return error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002';
}
