import { z } from 'zod';
import { ROUTES, type RouteAuth, type RouteSpec } from './routes.js';
import { SOCKET_EVENT_SCHEMAS } from './socket-events.js';

type JsonSchema = Record<string, unknown>;

/** Shared definitions (schemas with a `.meta({ id })`) hoisted into `components.schemas`. */
type Components = Record<string, JsonSchema>;

function toSchema(schema: z.ZodType, io: 'input' | 'output', components?: Components): JsonSchema {
  const raw = z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as JsonSchema;
  delete raw.$schema;
  const defs = (raw.$defs ?? {}) as Record<string, JsonSchema>;
  delete raw.$defs;
  const suffix = io === 'input' ? 'Input' : '';
  const rewrite = (value: JsonSchema): JsonSchema =>
    JSON.parse(
      JSON.stringify(value).replace(/"#\/\$defs\/([^"]+)"/g, (_m, id: string) =>
        components ? `"#/components/schemas/${id}${suffix}"` : `"#/$defs/${id}"`,
      ),
    ) as JsonSchema;
  if (!components) return Object.keys(defs).length ? { ...raw, $defs: defs } : raw;
  for (const [id, def] of Object.entries(defs)) components[`${id}${suffix}`] = rewrite(def);
  return rewrite(raw);
}

function toOpenApiPath(path: string): string {
  return path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

function parameters(route: RouteSpec): JsonSchema[] {
  const out: JsonSchema[] = [];
  const add = (obj: z.ZodObject | undefined, where: 'query' | 'path') => {
    if (!obj) return;
    const json = toSchema(obj, 'input');
    const props = (json.properties ?? {}) as Record<string, JsonSchema>;
    const required = new Set((json.required as string[] | undefined) ?? []);
    for (const [name, schema] of Object.entries(props)) {
      const { description, ...rest } = schema;
      out.push({
        name,
        in: where,
        required: where === 'path' || required.has(name),
        schema: rest,
        ...(typeof description === 'string' ? { description } : {}),
      });
    }
  };
  add(route.params, 'path');
  add(route.query, 'query');
  if (route.idempotent) {
    out.push({
      name: 'Idempotency-Key',
      in: 'header',
      required: false,
      description: 'a retry with the same key replays the stored response and writes nothing',
      schema: { type: 'string', maxLength: 200 },
    });
  }
  return out;
}

const SECURITY: Record<RouteAuth, JsonSchema[] | undefined> = {
  none: undefined,
  ingestKey: [{ ingestKey: [] }],
  triggerKey: [{ ingestKey: [] }, { legacyApiKeyField: [] }],
  bearer: [{ bearer: [] }],
  optionalBearer: [{}, { bearer: [] }],
  debug: [{}, { bearer: [] }],
};

/** OpenAPI 3.1 document for every backend route, generated from the zod schemas in this package. */
export function buildOpenApiDocument(opts: { version?: string; serverUrl?: string } = {}): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  const schemas: Components = {};
  for (const route of ROUTES) {
    const responses: Record<string, unknown> = {};
    for (const [status, r] of Object.entries(route.responses)) {
      const contentType = r.contentType ?? 'application/json';
      responses[status] = {
        description: r.description,
        ...(r.schema ? { content: { [contentType]: { schema: toSchema(r.schema, 'output', schemas) } } } : {}),
      };
    }
    const security = SECURITY[route.auth];
    const op: Record<string, unknown> = {
      operationId: `${route.method}${toOpenApiPath(route.path).replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ''))}`,
      summary: route.summary,
      tags: [route.tag],
      parameters: parameters(route),
      responses,
      ...(security ? { security } : {}),
      ...(route.auth === 'debug'
        ? { description: 'Public when DEBUG_ACCESS=public; an admin Bearer token when DEBUG_ACCESS=admin.' }
        : {}),
    };
    if (route.body) {
      op.requestBody = {
        required: true,
        content: { 'application/json': { schema: toSchema(route.body, 'input', schemas) } },
      };
    }
    const key = toOpenApiPath(route.path);
    paths[key] = { ...(paths[key] ?? {}), [route.method]: op };
  }
  // Socket.IO events (server → client) are not HTTP operations; their payload schemas are listed under
  // components.schemas and mapped by event name in `x-socketio-events`.
  const socketEvents: Record<string, { rooms: string; schema: JsonSchema }> = {};
  for (const [event, spec] of Object.entries(SOCKET_EVENT_SCHEMAS)) {
    socketEvents[event] = { rooms: spec.rooms, schema: toSchema(spec.schema, 'output', schemas) };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'VolSpike backend',
      version: opts.version ?? '1.0.0',
      description:
        'Legacy-compatible ingest and query API of the VolSpike market-data stack. Bodies are JSON (max 5 MB); ' +
        'bad input gives 400 with `message` naming the field and nothing written.',
    },
    ...(opts.serverUrl ? { servers: [{ url: opts.serverUrl }] } : {}),
    paths,
    'x-socketio-events': socketEvents,
    components: {
      schemas,
      securitySchemes: {
        ingestKey: { type: 'apiKey', in: 'header', name: 'X-API-Key', description: 'ALERT_INGEST_API_KEY' },
        legacyApiKeyField: {
          type: 'apiKey',
          in: 'query',
          name: 'apiKey',
          description: 'legacy: query (GET) or JSON body field (POST)',
        },
        bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
      },
    },
  };
}
