// Prisma CLI configuration (Prisma 7 reads the schema location from here). Only `prisma generate` is
// used: migrations are applied by our own runner (src/migrate.ts), see docs/adr/0001-offline-migrations.md.
import { defineConfig } from 'prisma/config';

export default defineConfig({
  schema: '../../../prisma/schema.prisma',
  migrations: { path: '../../../prisma/migrations' },
});
