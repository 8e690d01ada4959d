// SPDX-License-Identifier: MIT
/**
 * The SHAP game over the batch engine, with a coalition cache: identical coalitions are evaluated
 * once per explanation. Only coalitions that recur are kept (the two ends for most algorithms;
 * every coalition for Permutation, whose passes revisit them), keyed by a hash of the mask bytes.
 */
import type { ShapGame } from './game';

/**
 * A 52-bit hash of one mask (two 32-bit multiply-xor lanes over little-endian 4-byte words, then the
 * tail bytes), cheap even for pixel masks of 50 KB. It depends on the bytes only, never on where
 * they sit: a row of a batch starts at any offset (M × row), and a hash that read aligned rows as
 * words but unaligned ones byte by byte missed the cached f(all) whenever M % 4 ≠ 0, spending one
 * evaluation over the budget.
 */
function maskHash(bytes: Uint8Array): number {
  let a = 0x811c9dc5,
    b = 0x01000193 ^ bytes.length;
  const end = bytes.length & ~3;
  let i = 0;
  for (; i < end; i += 4) {
    const w = bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16) | (bytes[i + 3] << 24);
    a = Math.imul(a ^ w, 0x01000193);
    b = Math.imul(b ^ w, 0x5bd1e995) ^ (b >>> 15);
  }
  for (; i < bytes.length; i++) {
    a = Math.imul(a ^ bytes[i], 0x01000193);
    b = Math.imul(b ^ bytes[i], 0x5bd1e995) ^ (b >>> 15);
  }
  return (a >>> 0) * 0x100000 + (b >>> 12);
}

/**
 * A game whose coalitions are remembered across calls, so no coalition is evaluated twice: the full
 * coalition evaluated to pick the classes is reused by every algorithm, and with `all` (permutation,
 * whose passes share many coalitions) every coalition is. Partition, kernel and exact never repeat a
 * coalition beyond the two ends, so only uniform masks are looked up for them (pixel masks are 50 KB).
 * Masks are keyed by a hash and compared byte for byte on a hit.
 */
export function cachedGame(
  players: number,
  evaluate: (masks: Uint8Array, n: number) => Promise<Float32Array>,
  outputs: () => number,
  all: boolean,
): ShapGame {
  const cache = new Map<number, { mask: Uint8Array; y: Float32Array }[]>();
  const lookup = (mask: Uint8Array, hash: number) => cache.get(hash)?.find((e) => Buffer.compare(e.mask, mask) === 0);
  return {
    players,
    outputs,
    async evaluate(masks: Uint8Array, n: number): Promise<Float32Array> {
      const rows = Array.from({ length: n }, (_, i) => masks.subarray(i * players, (i + 1) * players));
      const cacheable = rows.map((row) => all || row.indexOf(row[0] ^ 1) === -1);
      if (!cacheable.some(Boolean)) return evaluate(masks, n);
      const hashes = rows.map((row, i) => (cacheable[i] ? maskHash(row) : -1));
      // Rows not cached yet, each distinct one once.
      const missing: number[] = [];
      const pending = new Map<number, Uint8Array[]>();
      rows.forEach((row, i) => {
        if (!cacheable[i]) {
          missing.push(i);
          return;
        }
        if (lookup(row, hashes[i])) return;
        const same = pending.get(hashes[i]) ?? [];
        if (same.some((m) => Buffer.compare(m, row) === 0)) return;
        same.push(row);
        pending.set(hashes[i], same);
        missing.push(i);
      });
      let y: Float32Array | undefined;
      if (missing.length) {
        const sub = new Uint8Array(missing.length * players);
        missing.forEach((row, j) => sub.set(rows[row], j * players));
        y = await evaluate(sub, missing.length);
        const K = outputs();
        missing.forEach((row, j) => {
          if (!cacheable[row]) return;
          const entry = { mask: sub.slice(j * players, (j + 1) * players), y: (y as Float32Array).slice(j * K, (j + 1) * K) };
          const bucket = cache.get(hashes[row]) ?? [];
          bucket.push(entry);
          cache.set(hashes[row], bucket);
        });
      }
      const K = outputs();
      const out = new Float32Array(n * K);
      const fresh = new Map<number, number>(missing.map((row, j) => [row, j]));
      rows.forEach((row, i) => {
        const j = fresh.get(i);
        out.set(
          j !== undefined && !cacheable[i]
            ? (y as Float32Array).subarray(j * K, (j + 1) * K)
            : (lookup(row, hashes[i]) as { y: Float32Array }).y,
          i * K,
        );
      });
      return out;
    },
  };
}
