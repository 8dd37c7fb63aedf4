-- The audit of getCredential reads: per API key, credential and minute, a count (never a token).
-- Aggregated in memory by each replica and added here in batches.

-- CreateTable
CREATE TABLE "credential_reads" (
    "project_id" TEXT NOT NULL,
    "tenant_id" TEXT NOT NULL,
    "api_key_id" TEXT NOT NULL,
    "credential_kind" TEXT NOT NULL,
    "credential_id" TEXT NOT NULL,
    "minute" TIMESTAMPTZ(3) NOT NULL,
    "count" INTEGER NOT NULL,

    CONSTRAINT "credential_reads_pkey" PRIMARY KEY ("project_id","credential_id","minute","api_key_id")
);

-- CreateIndex
CREATE INDEX "credential_reads_tenant_id_idx" ON "credential_reads"("tenant_id");

-- CreateIndex
CREATE INDEX "credential_reads_minute_idx" ON "credential_reads"("minute");

-- AddForeignKey
ALTER TABLE "credential_reads" ADD CONSTRAINT "credential_reads_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;
