-- Refresh leasing: the keep-alive branch of DueCredentialsRepository.leaseDue reads only
-- connections the refresh can still renew (`active`, `degraded`, `access_lost`). The others keep
-- the `keep_alive_at` they had, so a full index on it would make every lease walk past them first
-- (oldest first: exactly the ones that stopped being renewed). A partial index with the lease's own
-- predicate holds only the renewable ones, as the probe claim's index does.

-- DropIndex
DROP INDEX "connections_keep_alive_at_idx";

-- CreateIndex
CREATE INDEX "connections_keep_alive_due_idx" ON "connections"("keep_alive_at") WHERE status IN ('active', 'degraded', 'access_lost');
