// Entry of the fan-out clients' worker thread: a worker does not inherit the main thread's `--import tsx`
// loader, so it registers tsx itself, then runs the TypeScript module (see fanout-clients.ts).
import { register } from 'tsx/esm/api';

register();
await import('./fanout-clients.ts');
