// Lints the player's script and styles (autograd/viz/player.js, player.css): the files
// are package data that every page and Jupyter output embeds. Run from the checkout:
//   npm ci --prefix .ci && .ci/node_modules/.bin/eslint -c .ci/eslint.config.mjs autograd
import css from "@eslint/css";
import js from "@eslint/js";
import globals from "globals";

export default [
  { basePath: ".." },
  {
    files: ["**/*.js"],
    ...js.configs.recommended,
    languageOptions: { ecmaVersion: 2022, sourceType: "script", globals: { ...globals.browser } },
    rules: { ...js.configs.recommended.rules, "no-var": "error", "prefer-const": "error",
             eqeqeq: "error", "no-implicit-globals": "error" },
  },
  {
    files: ["**/*.css"],
    language: "css/css",
    plugins: { css },
    ...css.configs.recommended,
  },
];
