// SPDX-License-Identifier: MIT
/**
 * Reading a file that a user (or a hostile folder) names, without hanging or exhausting memory:
 * only regular files are read, and never more than a byte cap. A FIFO would block `open` (and, in
 * Node, one of the four libuv threads) until a writer appears; `/dev/zero` never ends. The type is
 * checked with fstat on the open descriptor, not with a stat beforehand, so a file swapped between
 * the check and the read cannot slip through.
 */
import * as fs from 'node:fs';

/** The default byte cap of image files read from paths (256 MiB): far above any real photo. */
export const MAX_INPUT_BYTES = 256 * 1024 * 1024;

/** Options of {@link readRegularFile}. */
export interface ReadRegularFileOptions {
  /** The most bytes read; a longer file is a RangeError naming `capName`. */
  maxBytes: number;
  /** The option name given in the too-large error (default `'maxInputBytes'`). */
  capName?: string;
  /** What the file is, for messages (default `'file'`). */
  what?: string;
  /** Follow a symbolic link in the last path component (default true). False: a link is refused. */
  followSymlinks?: boolean;
}

/** A name for a non-regular file type, for error messages. */
function kind(stat: fs.Stats): string {
  if (stat.isDirectory()) return 'a directory';
  if (stat.isFIFO()) return 'a FIFO (named pipe)';
  if (stat.isCharacterDevice()) return 'a character device';
  if (stat.isBlockDevice()) return 'a block device';
  if (stat.isSocket()) return 'a socket';
  if (stat.isSymbolicLink()) return 'a symbolic link';
  return 'not a regular file';
}

/**
 * Reads a whole regular file, at most `maxBytes` bytes.
 *
 * The file is opened non-blocking (a FIFO then opens at once instead of waiting for a writer),
 * checked with fstat, and read in chunks until end of file, so a file that grows while it is read
 * (or a /proc file that reports size 0) is still bounded by the cap.
 *
 * @param file - the path.
 * @param options - see {@link ReadRegularFileOptions}.
 * @returns the bytes.
 * @throws Error naming the file when it is missing, unreadable, or not a regular file (directory,
 *   FIFO, device, socket; a symbolic link when `followSymlinks` is false); RangeError naming
 *   `capName` when it holds more than `maxBytes` bytes.
 */
export async function readRegularFile(file: string, options: ReadRegularFileOptions): Promise<Buffer> {
  const { maxBytes, capName = 'maxInputBytes', what = 'file', followSymlinks = true } = options;
  // O_NONBLOCK only changes how FIFOs and devices open and read; regular files read as usual.
  const flags = fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0) | (followSymlinks ? 0 : (fs.constants.O_NOFOLLOW ?? 0));
  let handle: fs.promises.FileHandle;
  try {
    handle = await fs.promises.open(file, flags);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const cause = { cause: err };
    if (code === 'ENOENT') throw new Error(`${cap(what)} not found: ${file}`, cause);
    if (code === 'ELOOP' && !followSymlinks) throw new Error(`${cap(what)} ${file} is a symbolic link (not followed)`, cause);
    if (code === 'ENXIO') throw new Error(`${cap(what)} ${file} is not a regular file (a socket or a FIFO without writer)`, cause);
    throw new Error(`Cannot read ${what} ${file}: ${(err as Error).message}`, cause);
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw new Error(`${cap(what)} ${file} is not a regular file: it is ${kind(stat)}`);
    if (stat.size > maxBytes) throw tooLarge(what, file, `${stat.size} bytes`, capName, maxBytes);
    const chunks: Buffer[] = [];
    let total = 0;
    // One byte beyond the cap is enough to know the file is too long.
    for (;;) {
      const want = Math.min(Math.max(stat.size - total, 1 << 16), maxBytes + 1 - total);
      if (want <= 0) throw tooLarge(what, file, `more than ${maxBytes} bytes`, capName, maxBytes);
      const buf = Buffer.allocUnsafe(want);
      const { bytesRead } = await handle.read(buf, 0, want, null);
      if (bytesRead === 0) break;
      chunks.push(bytesRead === want ? buf : buf.subarray(0, bytesRead));
      total += bytesRead;
    }
    if (total > maxBytes) throw tooLarge(what, file, `more than ${maxBytes} bytes`, capName, maxBytes);
    return chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, total);
  } finally {
    await handle.close();
  }
}

function cap(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function tooLarge(what: string, file: string, size: string, capName: string, maxBytes: number): RangeError {
  return new RangeError(`${cap(what)} ${file} is ${size}: expected at most ${capName} = ${maxBytes} bytes`);
}
