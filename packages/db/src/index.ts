export { PrismaClient, Prisma } from './generated/client.js';
export type * from './generated/client.js';
export { createPrismaClient } from './client.js';
export type { PrismaClientOptions } from './client.js';
