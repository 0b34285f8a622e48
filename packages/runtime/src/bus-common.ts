import { VolspikeError } from '@volspike/errors';
/** Error thrown by bus implementations, with a stable `code`. */
export class BusError extends VolspikeError<
  'BUS_CLOSED' | 'BUS_NOT_SERIALISABLE' | 'BUS_INVALID_JSON' | 'BUS_STATE_WRITE' | 'BUS_UNAVAILABLE'
> {
  constructor(code: BusError['code'], message: string, cause?: unknown) {
    super(code, message, { cause });
  }
}

export function toJson(value: unknown): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (err) {
    throw new BusError('BUS_NOT_SERIALISABLE', `value is not JSON-serialisable: ${(err as Error).message}`, err);
  }
  if (text === undefined)
    throw new BusError('BUS_NOT_SERIALISABLE', 'value is not JSON-serialisable (undefined/function)');
  return text;
}
