// ESLint flat config: type-aware typescript-eslint rules, plus the import boundary that keeps
// the shared core free of @actions/* (only actions/src/entries and actions/src/github may use it).
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  {
    ignores: [
      "actions/dist/**",
      "lambda/dist/**",
      "node_modules/**",
      "coverage/**",
      "training/**",
      "bench/out/**",
      ".demo/**",
      ".venv/**",
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      "@typescript-eslint/restrict-template-expressions": ["error", { allowNumber: true }],
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_", ignoreRestSiblings: true },
      ],
    },
  },
  {
    files: ["actions/src/**/*.ts", "lambda/src/**/*.ts"],
    ignores: ["actions/src/entries/**", "actions/src/github/**"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: ["@actions/*"],
              message:
                "The shared core must not import @actions/*: take a Logger port instead (only entries/ and github/ talk to the runner).",
            },
          ],
        },
      ],
    },
  },
  {
    files: ["**/*.js", "**/*.mjs"],
    extends: [tseslint.configs.disableTypeChecked],
  },
);
