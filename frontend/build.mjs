// Builds the editor bundle into crates/cairn-web/assets/editor/ (or into the directory given as
// the first argument, which check-bundle.sh uses). The output must be byte-for-byte
// reproducible: no source maps, no timestamps, no absolute paths, a fixed target and legal
// comments gathered at the end of the file in a stable order.
import { build } from "esbuild";
import { fileURLToPath } from "node:url";
import path from "node:path";

const here = path.dirname(fileURLToPath(import.meta.url));
const outdir = process.argv[2]
  ? path.resolve(process.argv[2])
  : path.join(here, "..", "crates", "cairn-web", "assets", "editor");

await build({
  absWorkingDir: here,
  entryPoints: { editor: "src/main.ts" },
  bundle: true,
  minify: true,
  format: "iife",
  target: ["es2020"],
  platform: "browser",
  outdir,
  sourcemap: false,
  legalComments: "eof",
  charset: "utf8",
  logLevel: "warning",
  loader: { ".css": "css" },
});
