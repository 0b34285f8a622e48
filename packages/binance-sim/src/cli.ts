// `npm run sim`: the simulated exchange alone, lively market, on SIM_PORT (default 7070).
// Env: SIM_PORT (7070), SIM_HOST (127.0.0.1), SIM_SYMBOLS (550), SIM_SEED (42), SIM_WEIGHT_LIMIT (2400), SIM_LIVELY (true).
import { startSim } from './server.js';

function intEnv(name: string, def: number, min: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return def;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) {
    console.error(`Invalid environment: ${name} (${raw}) must be an integer >= ${min}`);
    process.exit(1);
  }
  return n;
}

const lively = !['false', '0'].includes((process.env.SIM_LIVELY ?? 'true').toLowerCase());
const sim = await startSim({
  port: intEnv('SIM_PORT', 7070, 0),
  host: process.env.SIM_HOST || '127.0.0.1',
  symbols: intEnv('SIM_SYMBOLS', 550, 1),
  seed: intEnv('SIM_SEED', 42, 0),
  weightLimitPerMin: intEnv('SIM_WEIGHT_LIMIT', 2400, 1),
  lively,
});
console.log(
  `binance-sim listening on ${sim.url} (ws ${sim.wsUrl}/market/stream?streams=...) symbols=${sim.market.liquid(0).length} seed=${process.env.SIM_SEED || 42} lively=${lively}`,
);

let stopping = false;
const stop = (signal: string): void => {
  if (stopping) return;
  stopping = true;
  console.log(`binance-sim: ${signal}, closing`);
  sim.close().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
};
process.on('SIGINT', () => stop('SIGINT'));
process.on('SIGTERM', () => stop('SIGTERM'));
