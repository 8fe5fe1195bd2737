// Builds a JavaScript guest into a component of a platform:function world with the toolchain
// pinned in examples/package.json: node build.mjs <world> <source.js> <output.wasm>
import { readFile, writeFile, rename } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const entry = resolve(root, "examples/node_modules/@bytecodealliance/componentize-js/src/componentize.js");
const { componentize } = await import(pathToFileURL(entry).href);

const [worldName, sourcePath, outputPath] = process.argv.slice(2);
const { component } = await componentize({
  sourcePath: resolve(sourcePath),
  witPath: resolve(root, "wit/platform-function.wit"),
  worldName,
  // No wasi:http: the platform links only wasi:cli, clocks, random and io.
  disableFeatures: ["http", "fetch-event"],
});
const temporary = `${outputPath}.${process.pid}.tmp`;
await writeFile(temporary, component);
await rename(temporary, outputPath);
