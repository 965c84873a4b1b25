import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["node_modules/", "dist/", "out/", "coverage/", "constructs/imports/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ["**/*.ts"],
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
    },
  },
  // The layering of DESIGN.md: the pure layers import no Pulumi; the construct library stands alone.
  {
    files: [
      "inventory/**/*.ts",
      "constructs/**/*.ts",
      "charts/**/*.ts",
      "cli/**/*.ts",
      "stacks/builders/**/*.ts",
    ],
    rules: {
      "no-restricted-imports": [
        "error",
        { patterns: [{ group: ["@pulumi/*"], message: "Keep this layer pure: render shares it." }] },
      ],
    },
  },
  {
    files: ["constructs/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            { group: ["@pulumi/*"], message: "The construct library is cdk8s only." },
            {
              group: [
                "**/inventory",
                "**/inventory/*",
                "**/charts",
                "**/charts/*",
                "**/stacks",
                "**/stacks/*",
              ],
              message: "The construct library knows nothing of the project's layers.",
            },
          ],
        },
      ],
    },
  },
  {
    files: ["inventory/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            { group: ["@pulumi/*"], message: "Keep this layer pure: render shares it." },
            {
              group: [
                "cdk8s",
                "cdk8s-plus-*",
                "**/constructs",
                "**/constructs/*",
                "**/charts",
                "**/charts/*",
                "**/stacks",
                "**/stacks/*",
              ],
              message: "The inventory is the bottom layer.",
            },
          ],
        },
      ],
    },
  },
  {
    files: ["**/*.js", "**/*.mjs"],
    languageOptions: { globals: { module: "writable", require: "readonly", __dirname: "readonly" } },
  },
);
