import { createRequire } from "node:module";

/**
 * One of the project's native addons (native/, built by npm install into build/Release). The
 * path is the same relative place from src/native and dist/src/native: npm run build copies the
 * addons into dist/build.
 */
export function loadAddon<Addon>(name: string): Addon {
  const file = `build/Release/${name}.node`;
  try {
    return createRequire(import.meta.url)(`../../${file}`) as Addon;
  } catch (error) {
    throw new Error(`the ${name} addon (${file}) did not load: run npm install, which builds it`, { cause: error });
  }
}
