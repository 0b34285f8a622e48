import { Router, type Request, type Response } from 'express';
import type { UserCrossAlert } from '@volspike/db';
import {
  USER_ALERT_LIMITS,
  UserAlertCreateSchema,
  UserAlertUpdateSchema,
  UserAlertsQuerySchema,
  thresholdProblem,
  type UserCrossAlertRow,
  toIso,
} from '@volspike/contracts';
import type { AuthUser } from '../auth/index.js';
import type { AppContext } from '../context.js';
import { SMALL_BODY_LIMIT_BYTES, jsonBody } from '../http/body.js';
import { HttpError, parseOr400 } from '../http/errors.js';
import { inTransaction, type Tx } from '../http/idempotency.js';

export function userAlertJson(row: UserCrossAlert): UserCrossAlertRow {
  return {
    ...row,
    lastCheckedAt: toIso(row.lastCheckedAt),
    triggeredAt: toIso(row.triggeredAt),
    createdAt: toIso(row.createdAt),
    updatedAt: toIso(row.updatedAt),
  };
}

function limitFor(tier: string): number {
  return USER_ALERT_LIMITS[tier] ?? 3;
}

/** Serialises limit checks of one user (create/update/reactivate racing each other). */
async function lockUser(tx: Tx, userId: string): Promise<void> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`user-alerts:${userId}`}))`;
}

async function assertBelowLimit(tx: Tx, user: AuthUser): Promise<void> {
  const limit = limitFor(user.tier);
  const current = await tx.userCrossAlert.count({ where: { userId: user.id, isActive: true } });
  if (current >= limit) {
    throw new HttpError(403, 'FORBIDDEN', {
      error: `Maximum active alerts reached for ${user.tier} tier (${limit})`,
      limit,
      current,
    });
  }
}

/** USER_ALERTS_MAX_PER_USER: rows of one user, active or not (inactive ones are kept until deleted). */
async function assertBelowTotal(tx: Tx, user: AuthUser, max: number): Promise<void> {
  const current = await tx.userCrossAlert.count({ where: { userId: user.id } });
  if (current >= max) {
    throw new HttpError(403, 'FORBIDDEN', {
      error: `Maximum number of alerts reached (${max}): delete old alerts first`,
      limit: max,
      current,
    });
  }
}

async function assertNoDuplicate(
  tx: Tx,
  a: { userId: string; symbol: string; alertType: UserCrossAlert['alertType']; threshold: number },
  exceptId?: string,
): Promise<void> {
  const dup = await tx.userCrossAlert.findFirst({
    where: { ...a, isActive: true, ...(exceptId ? { NOT: { id: exceptId } } : {}) },
    select: { id: true },
  });
  if (dup) {
    throw new HttpError(409, 'CONFLICT', {
      error: 'An active alert with the same symbol, type and threshold already exists',
      alertId: dup.id,
    });
  }
}

function assertDelivery(user: AuthUser, method: string | undefined): void {
  if ((method === 'EMAIL' || method === 'BOTH') && user.tier === 'free' && user.role !== 'ADMIN') {
    throw new HttpError(403, 'FORBIDDEN', { error: 'Email delivery requires Pro or Elite tier' });
  }
}

async function ownAlert(tx: Tx, id: string, userId: string): Promise<UserCrossAlert> {
  const row = await tx.userCrossAlert.findFirst({ where: { id, userId } });
  if (!row) throw new HttpError(404, 'NOT_FOUND', { error: 'Alert not found' });
  return row;
}

/** `/api/user-alerts` (Bearer): CRUD with the tier limit enforced on create, update and reactivate alike. */
export function userAlertsRouter(ctx: AppContext): Router {
  const router = Router();
  router.use(ctx.auth.requireUser, jsonBody(SMALL_BODY_LIMIT_BYTES));
  router.get('/', (req, res) => listAlerts(ctx, req, res));
  router.post('/', (req, res) => createAlert(ctx, req, res));
  router.put('/:id', (req, res) => updateAlert(ctx, req, res));
  router.delete('/:id', (req, res) => deleteAlert(ctx, req, res));
  router.post('/:id/reactivate', (req, res) => reactivateAlert(ctx, req, res));

  return router;
}

/** GET /api/user-alerts */
async function listAlerts(ctx: AppContext, req: Request, res: Response): Promise<void> {
  const { prisma } = ctx;
  const user = res.locals.user as AuthUser;
  const q = parseOr400(UserAlertsQuerySchema, req.query, 'Invalid request data', 'query');
  const rows = await prisma.userCrossAlert.findMany({
    where: {
      userId: user.id,
      ...(q.active ? { isActive: q.active === 'true' } : {}),
      ...(q.symbol ? { symbol: q.symbol.toUpperCase() } : {}),
    },
    orderBy: [{ isActive: 'desc' }, { createdAt: 'desc' }],
  });
  res.json({ alerts: rows.map(userAlertJson) });
}

/** POST /api/user-alerts */
async function createAlert(ctx: AppContext, req: Request, res: Response): Promise<void> {
  const { prisma } = ctx;
  const user = res.locals.user as AuthUser;
  const p = parseOr400(UserAlertCreateSchema, req.body, 'Invalid request data');
  assertDelivery(user, p.deliveryMethod);
  const row = await inTransaction(prisma, async (tx) => {
    await lockUser(tx, user.id);
    await assertBelowLimit(tx, user);
    await assertBelowTotal(tx, user, ctx.config.userAlertsMaxPerUser);
    await assertNoDuplicate(tx, {
      userId: user.id,
      symbol: p.symbol,
      alertType: p.alertType,
      threshold: p.threshold,
    });
    return tx.userCrossAlert.create({
      data: {
        userId: user.id,
        symbol: p.symbol,
        alertType: p.alertType,
        threshold: p.threshold,
        deliveryMethod: p.deliveryMethod,
        ...(p.lastCheckedValue !== undefined
          ? { lastCheckedValue: p.lastCheckedValue, lastCheckedAt: new Date(ctx.now()) }
          : {}),
      },
    });
  });
  res.status(201).json(userAlertJson(row));
}

/** PUT /api/user-alerts/:id */
async function updateAlert(ctx: AppContext, req: Request, res: Response): Promise<void> {
  const { prisma } = ctx;
  const user = res.locals.user as AuthUser;
  const p = parseOr400(UserAlertUpdateSchema, req.body, 'Invalid request data');
  assertDelivery(user, p.deliveryMethod);
  const row = await inTransaction(prisma, async (tx) => {
    await lockUser(tx, user.id);
    const current = await ownAlert(tx, String(req.params.id), user.id);
    if (p.threshold !== undefined) {
      const problem = thresholdProblem(current.alertType, p.threshold);
      if (problem)
        throw new HttpError(400, 'BAD_REQUEST', { error: 'Invalid request data', message: `threshold: ${problem}` });
    }
    const willBeActive = p.isActive ?? current.isActive;
    if (willBeActive && !current.isActive) await assertBelowLimit(tx, user);
    if (willBeActive) {
      await assertNoDuplicate(
        tx,
        {
          userId: user.id,
          symbol: current.symbol,
          alertType: current.alertType,
          threshold: p.threshold ?? current.threshold,
        },
        current.id,
      );
    }
    return tx.userCrossAlert.update({
      where: { id: current.id },
      data: {
        ...(p.threshold !== undefined ? { threshold: p.threshold } : {}),
        ...(p.deliveryMethod ? { deliveryMethod: p.deliveryMethod } : {}),
        ...(p.isActive !== undefined ? { isActive: p.isActive } : {}),
        ...(p.isActive === true && !current.isActive ? { triggeredAt: null, triggeredValue: null } : {}),
      },
    });
  });
  res.json(userAlertJson(row));
}

/** DELETE /api/user-alerts/:id */
async function deleteAlert(ctx: AppContext, req: Request, res: Response): Promise<void> {
  const { prisma } = ctx;
  const user = res.locals.user as AuthUser;
  const r = await prisma.userCrossAlert.deleteMany({ where: { id: String(req.params.id), userId: user.id } });
  if (r.count === 0) throw new HttpError(404, 'NOT_FOUND', { error: 'Alert not found' });
  res.json({ success: true });
}

/** POST /api/user-alerts/:id/reactivate */
async function reactivateAlert(ctx: AppContext, req: Request, res: Response): Promise<void> {
  const { prisma } = ctx;
  const user = res.locals.user as AuthUser;
  const row = await inTransaction(prisma, async (tx) => {
    await lockUser(tx, user.id);
    const current = await ownAlert(tx, String(req.params.id), user.id);
    if (!current.isActive) await assertBelowLimit(tx, user);
    await assertNoDuplicate(
      tx,
      { userId: user.id, symbol: current.symbol, alertType: current.alertType, threshold: current.threshold },
      current.id,
    );
    return tx.userCrossAlert.update({
      where: { id: current.id },
      data: { isActive: true, triggeredAt: null, triggeredValue: null },
    });
  });
  res.json(userAlertJson(row));
}
