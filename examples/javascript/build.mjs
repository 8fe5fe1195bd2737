// Builds one JavaScript function into a component with the pinned componentize-js:
//   node examples/javascript/build.mjs SOURCE.js WORLD OUTPUT.wasm
// WORLD is a world of wit/platform-function.wit (invoke or http). The HTTP and fetch-event
// features are off: the platform links no wasi:http, so the component must not import it.
import { componentize } from '@bytecodealliance/componentize-js';
import { rename, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

const [sourcePath, worldName, output] = process.argv.slice(2);
if (!sourcePath || !worldName || !output) {
  console.error('usage: node build.mjs SOURCE.js WORLD OUTPUT.wasm');
  process.exit(2);
}

const { component } = await componentize({
  sourcePath,
  witPath: fileURLToPath(new URL('../../wit/platform-function.wit', import.meta.url)),
  worldName,
  disableFeatures: ['http', 'fetch-event'],
});
// Written aside and renamed: test projects running side by side may build the same guest at once.
const temporary = `${output}.${process.pid}.tmp`;
await writeFile(temporary, component);
await rename(temporary, output);
