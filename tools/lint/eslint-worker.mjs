// Runs the ESLint Node API for tools/lint/module-boundaries.spec.ts in a worker thread.
//
// Why a worker: ESLint 9 loads eslint.config.mjs with a native dynamic `import()`. Inside Jest's
// sandbox that throws "A dynamic import callback was invoked without --experimental-vm-modules"
// (the repo's jest/swc setup is CommonJS-only). A worker thread is a plain Node context, so the
// config, @nx/eslint-plugin and the Nx project graph load exactly as they do for `npx eslint`.
//
// Protocol: workerData = { cwd }; request { id, code, filePath } -> reply { id, messages } | { id, error }.
import { parentPort, workerData } from 'node:worker_threads';
import { ESLint } from 'eslint';

// One instance for the whole test file: the config (and with it the Nx graph) is loaded once, lazily,
// on the first lintText call.
const eslint = new ESLint({ cwd: workerData.cwd });

parentPort.on('message', async ({ id, code, filePath }) => {
  try {
    const [result] = await eslint.lintText(code, { filePath, warnIgnored: true });
    parentPort.postMessage({ id, messages: result.messages });
  } catch (err) {
    parentPort.postMessage({ id, error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
  }
});
