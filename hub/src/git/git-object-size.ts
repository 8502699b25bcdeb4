import { open, readdir, readFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { constants, inflateSync } from 'node:zlib';

/** Delta hops followed before giving up on a size (git itself packs at most 50 deep by default). */
const MAX_DELTA_DEPTH = 1000;
/** Compressed bytes inflated to read a header: a dynamic Huffman block's code tables take up to ~290, the header a few more. */
const HEADER_PROBE_BYTES = 512;
/** A pack entry's own header: type and size (at most 10 bytes), then a delta's base (an offset, or a 20-byte id). */
const ENTRY_HEADER_BYTES = 32;

const OBJ_OFS_DELTA = 6;
const OBJ_REF_DELTA = 7;

/** Where one object of a pack starts. */
interface PackedAt {
  readonly pack: string;
  readonly offset: number;
}

/**
 * Reads the sizes git objects declare, without inflating their content: a
 * loose object's header, or a packed object's entry header (and, for a
 * delta, the base and result sizes at the start of its delta data, following
 * the chain of bases). One per reader; pack indexes are read once.
 */
export interface GitObjectSizes {
  /**
   * The largest size, bytes, that reading `oid` inflates: the object's own
   * size, or for a delta the largest of every object on its chain.
   * Undefined when it cannot be told (an unknown pack index version, an
   * object stored elsewhere); the caller then reads the object as before.
   */
  largestInflated(oid: string): Promise<number | undefined>;
}

/** Size reading over the object database of `gitdir`. */
export function gitObjectSizes(gitdir: string): GitObjectSizes {
  let indexes: Promise<PackIndex[]> | undefined;
  const packs = sharedPackReads();
  // Cluster files are alike, so git stores most as deltas on chains up to 50
  // deep, which share their bases: a size once told is remembered (by pack
  // and offset), so each entry is read once per reader, not once per chain
  // through it. Only finished answers are kept, so a corrupt pack whose
  // chain loops still ends at MAX_DELTA_DEPTH instead of awaiting itself;
  // and only sizes, so an entry cut off by that limit is tried again.
  const told = new Map<string, number>();
  const packed = async (oid: string): Promise<PackedAt | undefined> => {
    for (const index of await (indexes ??= readPackIndexes(gitdir))) {
      const at = findInIndex(index, oid);
      if (at) return at;
    }
    return undefined;
  };

  // The pack indexes are in memory, so they are asked first: a fetched
  // repository holds nearly every object packed, and asking for a loose file
  // first costs a failed open per object (seconds over 10,000 cluster files).
  const largest = async (oid: string, depth: number): Promise<number | undefined> => {
    const at = await packed(oid);
    if (at) return await packedLargest(at, depth);
    return await looseSize(gitdir, oid);
  };

  const packedLargest = async (at: PackedAt, depth: number): Promise<number | undefined> => {
    const key = `${at.offset}:${at.pack}`;
    const known = told.get(key);
    if (known !== undefined) return known;
    if (depth > MAX_DELTA_DEPTH) return undefined;
    const size = await entryLargest(at, depth);
    if (size !== undefined) told.set(key, size);
    return size;
  };

  const entryLargest = async (at: PackedAt, depth: number): Promise<number | undefined> => {
    // One read holds the entry header and, for a delta, the start of its data.
    const bytes = await packs.read(at.pack, at.offset, ENTRY_HEADER_BYTES + HEADER_PROBE_BYTES);
    const entry = parseEntryHeader(bytes, at.offset);
    if (entry.type !== OBJ_OFS_DELTA && entry.type !== OBJ_REF_DELTA) return entry.size;
    const [baseSize, resultSize] = deltaSizes(bytes.subarray(entry.dataOffset - at.offset));
    const base = entry.type === OBJ_OFS_DELTA ? await packedLargest({ pack: at.pack, offset: entry.baseOffset }, depth + 1) : await largest(entry.baseOid, depth + 1);
    return base === undefined ? undefined : Math.max(base, baseSize, resultSize);
  };

  return { largestInflated: (oid) => largest(oid, 0) };
}

/**
 * Reads from pack files through one open handle per pack while any read of
 * it is in flight, closed when the last ends: a compile asks for thousands of
 * sizes, 16 at a time, and an open and close per read cost more than
 * inflating the objects themselves. Nothing stays open between compiles.
 */
function sharedPackReads(): { read(file: string, offset: number, length: number): Promise<Uint8Array> } {
  const slots = new Map<string, { readonly handle: Promise<FileHandle>; users: number }>();
  return {
    async read(file, offset, length) {
      let slot = slots.get(file);
      if (!slot) {
        slot = { handle: open(file, 'r'), users: 0 };
        slots.set(file, slot);
      }
      slot.users++;
      try {
        const buf = Buffer.alloc(length);
        const { bytesRead } = await (await slot.handle).read(buf, 0, length, offset);
        return buf.subarray(0, bytesRead);
      } finally {
        if (--slot.users === 0) {
          slots.delete(file);
          await (await slot.handle.catch(() => undefined))?.close();
        }
      }
    },
  };
}

/** A loose object's declared size (`<type> <size>\0`), or undefined when it is not stored loose. */
async function looseSize(gitdir: string, oid: string): Promise<number | undefined> {
  const head = await readAt(join(gitdir, 'objects', oid.slice(0, 2), oid.slice(2)), 0, HEADER_PROBE_BYTES).catch(() => undefined);
  if (!head) return undefined;
  const text = new TextDecoder().decode(inflatePrefix(head));
  const m = /^[a-z]+ (\d+)\0/.exec(text);
  return m?.[1] === undefined ? undefined : Number(m[1]);
}

interface EntryHeader {
  readonly type: number;
  /** The inflated size, or for a delta the size of its delta data. */
  readonly size: number;
  readonly dataOffset: number;
  /** An offset delta's base, in the same pack. */
  readonly baseOffset: number;
  /** A reference delta's base. */
  readonly baseOid: string;
}

/** A pack entry's header, from `b` read at `offset`: type, size (inflated, or of the delta data), where its zlib data starts, and its base. */
function parseEntryHeader(b: Uint8Array, offset: number): EntryHeader {
  let i = 0;
  let byte = b[i++] ?? 0;
  const type = (byte >> 4) & 7;
  let size = byte & 15;
  for (let shift = 4; byte & 0x80; shift += 7) {
    byte = b[i++] ?? 0;
    size += (byte & 0x7f) * 2 ** shift;
  }
  let baseOffset = -1;
  let baseOid = '';
  if (type === OBJ_OFS_DELTA) {
    byte = b[i++] ?? 0;
    let back = byte & 0x7f;
    while (byte & 0x80) {
      byte = b[i++] ?? 0;
      back = (back + 1) * 128 + (byte & 0x7f);
    }
    baseOffset = offset - back;
  } else if (type === OBJ_REF_DELTA) {
    baseOid = Buffer.from(b.subarray(i, i + 20)).toString('hex');
    i += 20;
  }
  return { type, size, dataOffset: offset + i, baseOffset, baseOid };
}

/** The base and result sizes a delta's data (`compressed`, its zlib stream's start) starts with. */
function deltaSizes(compressed: Uint8Array): [number, number] {
  const data = inflatePrefix(compressed.subarray(0, HEADER_PROBE_BYTES));
  let i = 0;
  const varint = (): number => {
    let n = 0;
    for (let shift = 0; ; shift += 7) {
      const byte = data[i++] ?? 0;
      n += (byte & 0x7f) * 2 ** shift;
      if (!(byte & 0x80) || i >= data.length) return n;
    }
  };
  return [varint(), varint()];
}

/** Inflates what it can of the start of a zlib stream: a few hundred bytes at most, never the whole object. */
function inflatePrefix(bytes: Uint8Array): Uint8Array {
  try {
    return inflateSync(bytes, { finishFlush: constants.Z_SYNC_FLUSH, maxOutputLength: 64 * 1024 });
  } catch {
    return new Uint8Array();
  }
}

async function readAt(file: string, offset: number, length: number): Promise<Uint8Array> {
  const handle = await open(file, 'r');
  try {
    const buf = Buffer.alloc(length);
    const { bytesRead } = await handle.read(buf, 0, length, offset);
    return buf.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/** One version-2 pack index, searched in place (a large repository's ids are not copied into a map). */
interface PackIndex {
  readonly pack: string;
  readonly idx: Buffer;
  readonly count: number;
}

/** The version-2 pack indexes under `objects/pack` (other versions are skipped: sizes there are not told). */
async function readPackIndexes(gitdir: string): Promise<PackIndex[]> {
  const dir = join(gitdir, 'objects', 'pack');
  const names = await readdir(dir).catch(() => [] as string[]);
  const out: PackIndex[] = [];
  for (const name of names.filter((n) => n.endsWith('.idx'))) {
    const idx = await readFile(join(dir, name));
    if (idx.length < 8 + 256 * 4 || idx.readUInt32BE(0) !== 0xff744f63 || idx.readUInt32BE(4) !== 2) continue;
    out.push({ pack: join(dir, name.replace(/\.idx$/, '.pack')), idx, count: idx.readUInt32BE(8 + 255 * 4) });
  }
  return out;
}

/** Where `oid` starts in the pack of `index`, by binary search over the index's sorted ids. */
function findInIndex(index: PackIndex, oid: string): PackedAt | undefined {
  const { idx, count } = index;
  const want = Buffer.from(oid, 'hex');
  const first = want[0] ?? 0;
  const names = 8 + 256 * 4;
  let lo = first === 0 ? 0 : idx.readUInt32BE(8 + (first - 1) * 4);
  let hi = idx.readUInt32BE(8 + first * 4);
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const cmp = idx.compare(want, 0, 20, names + mid * 20, names + mid * 20 + 20);
    if (cmp === 0) {
      const offsets = names + count * 24;
      const small = idx.readUInt32BE(offsets + mid * 4);
      const offset = small & 0x80000000 ? Number(idx.readBigUInt64BE(offsets + count * 4 + (small & 0x7fffffff) * 8)) : small;
      return { pack: index.pack, offset };
    }
    if (cmp < 0) lo = mid + 1;
    else hi = mid;
  }
  return undefined;
}
