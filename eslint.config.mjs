// @ts-check
/**
 * ESLint (flat config): typescript-eslint's recommended rules everywhere, formatting left to Prettier
 * (eslint-config-prettier turns off the rules it owns; .prettierrc sets the 140-character width), and
 * the size limits of deployed code: no file over 400 lines and no function over 80, counted as plain
 * lines (blank lines and comments included).
 */
import js from "@eslint/js";
import prettier from "eslint-config-prettier";
import tseslint from "typescript-eslint";

/** Node.js globals for the plain JavaScript files (scripts/*.mjs, jest.config.js, .dependency-cruiser.cjs). */
const NODE_GLOBALS = Object.fromEntries(
  [
    "process",
    "console",
    "Buffer",
    "URL",
    "TextEncoder",
    "TextDecoder",
    "AbortController",
    "performance",
    "structuredClone",
    "fetch",
    "queueMicrotask",
    "setTimeout",
    "clearTimeout",
    "setInterval",
    "clearInterval",
    "setImmediate",
    "clearImmediate",
  ].map((name) => [name, "readonly"]),
);

/** Code that is bundled or synthesized into what gets deployed. */
const DEPLOYED = ["contract/**/*.ts", "handlers/**/*.ts", "stacks/**/*.ts", "state-machines/**/*.ts"];

export default tseslint.config(
  {
    ignores: ["cdktf.out/", "cdktf.out.hcl/", "dist/", ".build/", ".gen/", "coverage/", "reports/", ".stryker-tmp/", "__tests__/fixtures/"],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": [
        "error",
        {
          argsIgnorePattern: "^_",
          varsIgnorePattern: "^_",
          caughtErrorsIgnorePattern: "^_",
          destructuredArrayIgnorePattern: "^_",
          ignoreRestSiblings: true,
        },
      ],
    },
  },
  {
    files: ["**/*.js", "**/*.cjs", "**/*.mjs"],
    languageOptions: { globals: NODE_GLOBALS },
  },
  {
    files: ["**/*.js", "**/*.cjs"],
    languageOptions: { sourceType: "commonjs" },
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
  {
    // Tests and the local stand-ins read untyped JSON (synthesized Terraform, ASL payloads, engine
    // results) and load some modules lazily with require (jest.isolateModules, bundled parsers).
    files: ["__tests__/**/*.ts", "rehearsal/**/*.ts"],
    rules: { "@typescript-eslint/no-explicit-any": "off", "@typescript-eslint/no-require-imports": "off" },
  },
  {
    files: DEPLOYED,
    rules: {
      "max-lines": ["error", { max: 400, skipBlankLines: false, skipComments: false }],
      "max-lines-per-function": ["error", { max: 80, skipBlankLines: false, skipComments: false, IIFEs: true }],
    },
  },
  prettier,
);
