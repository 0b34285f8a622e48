import type { RouteName, RouteTable } from '@volspike/contracts';
import type { z } from 'zod';
import type { RetryPolicy } from './policy.js';

type Spec<N extends RouteName> = RouteTable[N];

/** Routes called with GET (always sent, also in shadow mode: reading is not delivering). */
export type ReadRouteName = { [N in RouteName]: Spec<N>['method'] extends 'get' ? N : never }[RouteName];
/** Routes that change something on the backend (recorded instead of sent in shadow mode). */
export type WriteRouteName = Exclude<RouteName, ReadRouteName>;
/** Write routes the outbox can carry (POST/PUT with a body). */
export type QueueRouteName = {
  [N in WriteRouteName]: Spec<N>['method'] extends 'post' | 'put'
    ? Spec<N> extends { body: z.ZodType }
      ? N
      : never
    : never;
}[WriteRouteName];

/** The request body a route accepts (the backend's schema input). */
export type BodyOf<N extends RouteName> = Spec<N> extends { body: infer B extends z.ZodType } ? z.input<B> : never;
/** Query parameters (the schema's input: strings as on the wire). */
export type QueryOf<N extends RouteName> = Spec<N> extends { query: infer Q extends z.ZodType } ? z.input<Q> : never;
/** Path parameters (`:id` → `{ id: string }`). */
export type ParamsOf<N extends RouteName> = Spec<N> extends { params: infer P extends z.ZodType } ? z.input<P> : never;

type SuccessSchema<R> = R extends { 200: { schema: infer S extends z.ZodType } }
  ? S
  : R extends { 201: { schema: infer S extends z.ZodType } }
    ? S
    : null;
/** The parsed 2xx body of a route (the backend's response schema output), `unknown` when it has none. */
export type ResultOf<N extends RouteName> =
  SuccessSchema<Spec<N>['responses']> extends infer S extends z.ZodType ? z.output<S> : unknown;

type Opt<K extends string, T> = [T] extends [never] ? { [P in K]?: never } : { [P in K]: T };

export interface CallControl {
  /** Per-attempt timeout (default: the route's, else 10 s). */
  timeoutMs?: number;
  /** Aborts the call and its retry waits (shutdown). */
  signal?: AbortSignal;
  /** This call's retry policy (e.g. NO_RETRY for a caller that runs its own backoff loop). */
  retry?: RetryPolicy;
}

export type ReadInput<N extends ReadRouteName> = Opt<'params', ParamsOf<N>> & { query?: QueryOf<N> } & CallControl;

export type WriteInput<N extends WriteRouteName> = Opt<'params', ParamsOf<N>> &
  Opt<'body', BodyOf<N>> & {
    /** Sent as `Idempotency-Key`; with it an idempotent route is retried by the route's policy. */
    idempotencyKey?: string;
  } & CallControl;

/** The outcome of a write: delivered (with the parsed answer) or recorded in the shadow journal. */
export type Delivery<T> = { delivered: true; status: number; data: T } | { delivered: false; recordedIn: string };
