-- Health probes: the due-probe claim (DueCredentialsRepository.leaseDueProbes) reads only
-- credentials a probe can judge (`active`, `access_lost`). Credentials in the other statuses
-- keep the `probe_at` they had, so a full index on `probe_at` made every claim walk past them
-- (oldest first: exactly the ones that stopped being probed). A partial index with the claim's
-- own predicate holds only the probed credentials (schema.prisma: `partialIndexes` preview).

-- DropIndex
DROP INDEX "installations_probe_at_idx";

-- DropIndex
DROP INDEX "connections_probe_at_idx";

-- CreateIndex
CREATE INDEX "installations_probe_due_idx" ON "installations"("probe_at") WHERE status IN ('active', 'access_lost');

-- CreateIndex
CREATE INDEX "connections_probe_due_idx" ON "connections"("probe_at") WHERE status IN ('active', 'access_lost');
