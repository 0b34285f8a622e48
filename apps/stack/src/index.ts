export { enabledComponents, startStack, type StackHandle, type StackMode, type AppDeps } from './stack.js';
export { StackEnvSchema, loadStackEnv, type StackEnv } from './env.js';
export { REPO_ROOT, STACK_BUNDLE, childPids, rssMb, stackNodeFlags } from './launch.js';
