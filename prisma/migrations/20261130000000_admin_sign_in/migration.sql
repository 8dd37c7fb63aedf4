-- Installations are proven, not claimed: the admin signs in first (auth code + PKCE, openid) and
-- the admin-consent state carries the directory that sign-in proved; the consent callback must
-- name that same directory. A directory belongs to one tenant of a project unless the project
-- allows sharing, enforced here so two concurrent installs cannot both pass.

-- AlterTable
ALTER TABLE "projects" ADD COLUMN "allow_shared_directories" BOOLEAN NOT NULL DEFAULT false;

-- AlterTable
ALTER TABLE "oauth_states" ADD COLUMN "directory_id" TEXT,
ADD COLUMN "admin_upn" TEXT;

-- CreateTable
CREATE TABLE "directory_claims" (
    "project_id" TEXT NOT NULL,
    "provider" TEXT NOT NULL,
    "directory_id" TEXT NOT NULL,
    "installation_id" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "directory_claims_pkey" PRIMARY KEY ("project_id","provider","directory_id")
);

-- CreateIndex
CREATE UNIQUE INDEX "directory_claims_installation_id_key" ON "directory_claims"("installation_id");

-- AddForeignKey
ALTER TABLE "directory_claims" ADD CONSTRAINT "directory_claims_project_id_fkey" FOREIGN KEY ("project_id") REFERENCES "projects"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "directory_claims" ADD CONSTRAINT "directory_claims_installation_id_fkey" FOREIGN KEY ("installation_id") REFERENCES "installations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Existing installations claim their directories; where several tenants of a project already
-- share one (possible before this migration), the oldest installation keeps the claim.
INSERT INTO "directory_claims" ("project_id", "provider", "directory_id", "installation_id", "created_at")
SELECT DISTINCT ON ("project_id", "provider", lower("directory_id"))
       "project_id", "provider", lower("directory_id"), "id", "created_at"
FROM "installations"
ORDER BY "project_id", "provider", lower("directory_id"), "created_at", "id";
