-- Health probes (refresh issue, step 4): when each credential's next Graph probe is due (NULL:
-- not scheduled yet; the probe job spreads those over one interval), and when it was last probed.
ALTER TABLE "installations" ADD COLUMN "probe_at" TIMESTAMPTZ(3),
ADD COLUMN "last_probed_at" TIMESTAMPTZ(3);

ALTER TABLE "connections" ADD COLUMN "probe_at" TIMESTAMPTZ(3),
ADD COLUMN "last_probed_at" TIMESTAMPTZ(3);

-- CreateIndex
CREATE INDEX "installations_probe_at_idx" ON "installations"("probe_at");

-- CreateIndex
CREATE INDEX "connections_probe_at_idx" ON "connections"("probe_at");
