export { startStack, type StackHandle, type StackMode, type AppDeps } from './stack.js';
export { StackEnvSchema, loadStackEnv, type StackEnv } from './env.js';
