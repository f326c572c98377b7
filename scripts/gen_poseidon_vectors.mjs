#!/usr/bin/env node
// Writes backends/tests/data/poseidon_vectors.json: circomlib-compatible Poseidon known answers for
// every arity 1..=16, computed with circomlibjs itself. Each vector is hashed by circomlibjs's wasm
// `buildPoseidon`, by `buildPoseidonReference` (plain rounds) and by `buildPoseidonOpt`; the script
// fails unless all three agree, and checks the four answers published in circomlibjs's own tests.
//
// Usage:
//   node scripts/gen_poseidon_vectors.mjs [--node-modules DIR] [--out FILE]
//
// DIR is a node_modules folder that holds circomlibjs (e.g. /tmp/clj/node_modules). Without it the
// script runs `npm install circomlibjs@0.1.7` into a temporary folder first. The "random" inputs come
// from SHA-256 in counter mode over a fixed seed, so the output is reproducible.

import { createHash } from "node:crypto";
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { R, parseArgs, installCircomlibjs } from "./lib/circomlibjs.mjs";

const SEED = "zkaccel poseidon vectors v1";
const RANDOM_PER_ARITY = 4;

// Deterministic field elements below r: SHA-256(seed || counter), top two bits cleared, rejection-sampled.
let counter = 0;
function randomBelowR() {
  for (;;) {
    const digest = createHash("sha256").update(`${SEED}/${counter++}`).digest("hex");
    const v = BigInt("0x" + digest) & ((1n << 254n) - 1n);
    if (v < R) return v;
  }
}

function inputSets(arity) {
  const sets = [];
  sets.push({ kind: "zeros", inputs: Array(arity).fill(0n) });
  sets.push({ kind: "small", inputs: Array.from({ length: arity }, (_, i) => BigInt(i + 1)) });
  sets.push({ kind: "r-1", inputs: Array(arity).fill(R - 1n) });
  sets.push({ kind: "mixed", inputs: Array.from({ length: arity }, (_, i) => [2n ** 253n, R - 1n, 0n, 1n][i % 4]) });
  for (let k = 0; k < RANDOM_PER_ARITY; k++) {
    sets.push({ kind: "random", inputs: Array.from({ length: arity }, randomBelowR) });
  }
  return sets;
}

const args = parseArgs(process.argv.slice(2), "backends/tests/data/poseidon_vectors.json");
const nodeModules = args.nodeModules ?? installCircomlibjs();
const pkgDir = join(nodeModules, "circomlibjs");
const version = JSON.parse(readFileSync(join(pkgDir, "package.json"), "utf8")).version;
const lib = await import(pathToFileURL(join(pkgDir, "main.js")).href);

const wasm = await lib.buildPoseidon();
const reference = await lib.buildPoseidonReference();
const opt = await lib.buildPoseidonOpt();
const hashers = [
  ["buildPoseidon", wasm],
  ["buildPoseidonReference", reference],
  ["buildPoseidonOpt", opt],
];

function poseidon(inputs) {
  const outs = hashers.map(([name, h]) => [name, h.F.toObject(h(inputs))]);
  for (const [name, v] of outs) {
    if (v !== outs[0][1]) throw new Error(`${name} disagrees with ${outs[0][0]} on [${inputs}]`);
  }
  return outs[0][1];
}

const published = [
  [[1n, 2n], 0x115cc0f5e7d690413df64c6b9662e9cf2a3617f2743245519e19607a4417189an],
  [[1n, 2n, 3n, 4n], 0x299c867db6c1fdd79dcefa40e4510b9837e60ebb1ce0663dbaa525df65250465n],
  [[1n], 18586133768512220936620570745912940619677854269274689475585506675881198879027n],
  [
    Array.from({ length: 16 }, (_, i) => BigInt(i + 1)),
    9989051620750914585850546081941653841776809718687451684622678807385399211877n,
  ],
];
for (const [inputs, expected] of published) {
  if (poseidon(inputs) !== expected) throw new Error(`published answer mismatch for [${inputs}]`);
}

const vectors = [];
for (let arity = 1; arity <= 16; arity++) {
  for (const { kind, inputs } of inputSets(arity)) {
    vectors.push({ arity, kind, inputs: inputs.map(String), output: String(poseidon(inputs)) });
  }
}

const doc = {
  description:
    "circomlib-compatible Poseidon over BN254 Fr (t = arity + 1, initial state [0, inputs...], output state[0]). " +
    "Values are decimal strings below r. Each output was computed by circomlibjs's buildPoseidon (wasm), " +
    "buildPoseidonReference and buildPoseidonOpt, which all agreed.",
  generator: "scripts/gen_poseidon_vectors.mjs",
  circomlibjs_version: version,
  seed: SEED,
  modulus: String(R),
  vectors,
};
mkdirSync(dirname(args.out), { recursive: true });
// One vector per line keeps the file readable and its diffs small.
const { vectors: _, ...header } = doc;
const headerText = JSON.stringify(header, null, 1).replace(/\n}$/, "");
const body = vectors.map((v) => "  " + JSON.stringify(v)).join(",\n");
writeFileSync(args.out, `${headerText},\n "vectors": [\n${body}\n ]\n}\n`);
console.log(`circomlibjs ${version}: wrote ${vectors.length} vectors to ${args.out}`);
process.exit(0);
