// Lint: typescript-eslint with the rules that catch real bugs in async server code,
// plus the import boundaries that keep one direction of flow (see docs/architecture.md):
//   rpc/ → app/ → domain/, providers/, entities/; nothing imports upward.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

/** Import patterns a layer must not use, with the reason shown to whoever breaks the rule. */
function forbid(...groups) {
  return {
    "no-restricted-imports": [
      "error",
      {
        patterns: groups.map(([group, message, options]) => ({
          group: Array.isArray(group) ? group : [group],
          message,
          ...options,
        })),
      },
    ],
  };
}

const LUXON = [
  ["luxon"],
  "import luxon's values from domain/luxon.ts: one copy per process (pg-boss loads its CommonJS build).",
  { allowTypeImports: true },
];

const IO_LIBRARIES = [
  ["pg", "pg-boss", "@mikro-orm/*", "@connectrpc/*", "googleapis", "google-auth-library", "tsdav"],
  "domain/ is pure: no database, network or transport libraries.",
];
const NODE_IO = [["node:fs*", "node:http*", "node:net", "node:child_process"], "domain/ is pure: no I/O."];

export default tseslint.config(
  { ignores: ["gen/**", "dist/**", "node_modules/**", ".data/**", "coverage/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": ["error", { checksVoidReturn: { arguments: false } }],
      "@typescript-eslint/switch-exhaustiveness-check": [
        "error",
        { considerDefaultExhaustiveForUnions: true, requireDefaultForNonUnion: false },
      ],
      "@typescript-eslint/consistent-type-imports": [
        "error",
        { fixStyle: "inline-type-imports", disallowTypeAnnotations: false },
      ],
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      eqeqeq: ["error", "always", { null: "ignore" }],
      "prefer-const": ["error", { ignoreReadBeforeAssign: true }],
    },
  },
  {
    files: ["src/domain/**/*.ts"],
    rules: forbid(
      [
        ["**/app/**", "**/rpc/**", "**/db/**", "**/entities/**", "**/providers/**", "**/jobs/**"],
        "domain/ imports only domain/.",
      ],
      [["**/server*", "**/config*", "**/logger*", "**/wiring*", "**/gen/**"], "domain/ imports only domain/."],
      IO_LIBRARIES,
      NODE_IO,
      LUXON,
    ),
  },
  {
    files: ["src/app/**/*.ts"],
    rules: forbid(
      [
        ["**/rpc/**", "**/jobs/**", "**/server*", "**/wiring*", "**/gen/**"],
        "app/ must not know the transport or the job runtime; declare a port in app/context.ts.",
      ],
      [["@connectrpc/*", "pg-boss"], "app/ must not know the transport or the job runtime."],
      LUXON,
    ),
  },
  {
    files: ["src/providers/**/*.ts"],
    // The registry is where each provider is bound to its own slice of Config.
    ignores: ["src/providers/registry.ts"],
    rules: forbid(
      [
        ["**/app/**", "**/rpc/**", "**/db/**", "**/entities/**", "**/jobs/**", "**/wiring*", "**/gen/**"],
        "providers/ are adapters: they know no use case, table or transport.",
      ],
      [["**/config.js", "**/config-or-exit.js"], "a provider takes its own settings slice, not the app's Config."],
      LUXON,
    ),
  },
  {
    files: ["src/providers/registry.ts"],
    rules: forbid([
      ["**/app/**", "**/rpc/**", "**/db/**", "**/entities/**", "**/jobs/**", "**/gen/**"],
      "providers/ are adapters: they know no use case, table or transport.",
    ]),
  },
  {
    files: ["src/entities/**/*.ts", "src/crypto/**/*.ts"],
    rules: forbid([
      ["**/app/**", "**/rpc/**", "**/providers/**", "**/jobs/**", "**/wiring*", "**/gen/**"],
      "this layer sits below the use cases.",
    ]),
  },
  {
    files: ["src/jobs/**/*.ts", "src/db/**/*.ts", "src/auth/**/*.ts"],
    rules: forbid([["**/rpc/**", "**/server*", "**/gen/**"], "only rpc/ knows the transport."]),
  },
  {
    files: ["test/**/*.ts", "bench/**/*.ts", "migrations/**/*.ts", "scripts/**/*.mjs", "*.config.ts", "*.config.js"],
    rules: {
      "@typescript-eslint/no-floating-promises": "off",
      "@typescript-eslint/no-non-null-assertion": "off",
    },
  },
  {
    files: ["scripts/**/*.mjs", "*.config.js", "*.config.ts"],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      ...tseslint.configs.disableTypeChecked.languageOptions,
      globals: {
        process: "readonly",
        Buffer: "readonly",
        console: "readonly",
        URL: "readonly",
        fetch: "readonly",
        setTimeout: "readonly",
      },
    },
  },
);
