/** Bundles web/console into outdir (index.html, console.js, console.css). */
export function buildConsole(outdir: string): Promise<void>;
