// Shared setup of the Poseidon generator scripts: the pinned circomlibjs version, BN254's r,
// command-line parsing and a throwaway install of circomlibjs from npm.
import { execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const CIRCOMLIBJS_VERSION = "0.1.7";
export const R = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

// `--node-modules DIR` (a folder holding circomlibjs) and `--out FILE` (default: defaultOut,
// relative to the repository root).
export function parseArgs(argv, defaultOut) {
  const args = { nodeModules: null, out: join(repoRoot, defaultOut) };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--node-modules") args.nodeModules = resolve(argv[++i]);
    else if (argv[i] === "--out") args.out = resolve(argv[++i]);
    else throw new Error(`unknown argument ${argv[i]}`);
  }
  return args;
}

// Installs the pinned circomlibjs into a temporary folder and returns its node_modules.
export function installCircomlibjs() {
  const dir = mkdtempSync(join(tmpdir(), "circomlibjs-"));
  execFileSync("npm", ["install", "--silent", "--no-audit", "--no-fund", `circomlibjs@${CIRCOMLIBJS_VERSION}`], {
    cwd: dir,
    stdio: "inherit",
  });
  return join(dir, "node_modules");
}
