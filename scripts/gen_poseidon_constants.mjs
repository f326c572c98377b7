#!/usr/bin/env node
// Writes backends/src/cpu/poseidon/data/poseidon_constants.bin from circomlibjs's
// `src/poseidon_constants.json` (npm package circomlibjs; the constants are iden3's, generated with
// the Poseidon authors' Grain LFSR script). The Rust side (`backends/src/cpu/poseidon/constants.rs`)
// embeds the file with `include_bytes!`.
//
// Usage:
//   node scripts/gen_poseidon_constants.mjs [--node-modules DIR] [--out FILE]
//
// DIR is a node_modules folder that holds circomlibjs (e.g. /tmp/clj/node_modules). Without it the
// script runs `npm install circomlibjs@0.1.7` into a temporary folder first.
//
// File format (all integers little-endian; see also the README.md next to the .bin):
//   magic    8 bytes  "ZKPOSEID"
//   version  u32      1
//   widths   u32      16 (t = 2..=17, in order)
//   then per width t:
//     t                u32
//     full rounds      u32   (8)
//     partial rounds   u32
//     n_c              u32   = t * (full + partial)
//     C                n_c × 32 bytes: round constants, round r's t values at [r*t, r*t + t)
//     M                t*t × 32 bytes: the MDS matrix row-major, state'[i] = Σ_j M[i][j]·state[j]
// Every 32-byte value is the canonical (non-Montgomery) integer below r, little-endian.

import { createHash } from "node:crypto";
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { R, parseArgs, installCircomlibjs } from "./lib/circomlibjs.mjs";

const FULL_ROUNDS = 8;
const PARTIAL_ROUNDS = [56, 57, 56, 60, 60, 63, 64, 63, 60, 66, 60, 65, 70, 60, 64, 68];

function toCanonical(value, what) {
  const v = BigInt(value);
  if (v < 0n || v >= R) throw new Error(`${what} is not below r: ${value}`);
  return v;
}

function le32(v) {
  const out = Buffer.alloc(32);
  for (let i = 0; i < 32; i++) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

function u32(v) {
  const out = Buffer.alloc(4);
  out.writeUInt32LE(v);
  return out;
}

const args = parseArgs(process.argv.slice(2), "backends/src/cpu/poseidon/data/poseidon_constants.bin");
const nodeModules = args.nodeModules ?? installCircomlibjs();
const pkgDir = join(nodeModules, "circomlibjs");
const version = JSON.parse(readFileSync(join(pkgDir, "package.json"), "utf8")).version;
const jsonText = readFileSync(join(pkgDir, "src/poseidon_constants.json"), "utf8");
const { C, M } = JSON.parse(jsonText);
if (C.length !== 16 || M.length !== 16) throw new Error("expected constants for t = 2..17");

const parts = [Buffer.from("ZKPOSEID", "ascii"), u32(1), u32(16)];
for (let t = 2; t <= 17; t++) {
  const c = C[t - 2];
  const m = M[t - 2];
  const partial = PARTIAL_ROUNDS[t - 2];
  const nC = t * (FULL_ROUNDS + partial);
  if (c.length !== nC) throw new Error(`t=${t}: ${c.length} round constants, expected ${nC}`);
  if (m.length !== t || m.some((row) => row.length !== t)) throw new Error(`t=${t}: MDS is not ${t}x${t}`);
  parts.push(u32(t), u32(FULL_ROUNDS), u32(partial), u32(nC));
  c.forEach((v, i) => parts.push(le32(toCanonical(v, `C[t=${t}][${i}]`))));
  m.forEach((row, i) => row.forEach((v, j) => parts.push(le32(toCanonical(v, `M[t=${t}][${i}][${j}]`)))));
}
const bin = Buffer.concat(parts);
mkdirSync(dirname(args.out), { recursive: true });
writeFileSync(args.out, bin);

const sha = (b) => createHash("sha256").update(b).digest("hex");
console.log(`circomlibjs ${version}: src/poseidon_constants.json sha256 ${sha(jsonText)}`);
console.log(`wrote ${args.out}: ${bin.length} bytes, sha256 ${sha(bin)}`);
