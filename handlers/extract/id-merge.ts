/**
 * The exact number of distinct event ids across the ranges of a batch: a k-way streaming merge of the
 * ranges' id lists (each sorted and distinct, one id a line). Memory: one read piece per list and the
 * heap, whatever the number of ids. Lines are compared as JavaScript strings (`<`), the order
 * `Array.sort` wrote them in.
 *
 * Each list is read in successive ranged reads ({@link pieceBytes}), not held open as one stream: a
 * thousand open S3 responses would exhaust the HTTP agent's sockets (50 by default) and stall the merge.
 */
import type { ByteStream } from "./stream/bytes";
import { splitLines } from "./stream/lines";

interface Head {
  value: string;
  readonly rest: AsyncIterator<{ readonly text: string }>;
}

/** A binary min-heap of list heads by value. */
class HeadHeap {
  private readonly heads: Head[] = [];

  get size(): number {
    return this.heads.length;
  }

  push(head: Head): void {
    this.heads.push(head);
    for (let i = this.heads.length - 1; i > 0;) {
      const parent = (i - 1) >> 1;
      if (this.heads[parent].value <= this.heads[i].value) break;
      [this.heads[parent], this.heads[i]] = [this.heads[i], this.heads[parent]];
      i = parent;
    }
  }

  pop(): Head {
    const top = this.heads[0];
    const last = this.heads.pop()!;
    if (this.heads.length > 0) {
      this.heads[0] = last;
      for (let i = 0; ;) {
        const [left, right] = [2 * i + 1, 2 * i + 2];
        let least = i;
        if (left < this.heads.length && this.heads[left].value < this.heads[least].value) least = left;
        if (right < this.heads.length && this.heads[right].value < this.heads[least].value) least = right;
        if (least === i) break;
        [this.heads[least], this.heads[i]] = [this.heads[i], this.heads[least]];
        i = least;
      }
    }
    return top;
  }
}

/** The next non-empty line of a list, or undefined at its end. */
async function nextLine(rest: AsyncIterator<{ readonly text: string }>): Promise<string | undefined> {
  for (let next = await rest.next(); !next.done; next = await rest.next()) if (next.value.text !== "") return next.value.text;
  return undefined;
}

/** Bytes read per ranged read of a list: a total budget of 64 MiB shared by the lists, 64 KiB to 8 MiB each. */
export function pieceBytes(lists: number): number {
  return Math.min(8 * 1024 * 1024, Math.max(64 * 1024, Math.floor((64 * 1024 * 1024) / Math.max(1, lists))));
}

/** An object read in pieces of `piece` bytes, each through `read(start, end)` (a ranged GET). */
export async function* readInPieces(
  size: number,
  piece: number,
  read: (start: number, end: number) => Promise<ByteStream>,
): AsyncGenerator<Uint8Array> {
  for (let start = 0; start < size; start += piece) {
    for await (const chunk of await read(start, Math.min(size, start + piece))) yield chunk;
  }
}

/** Distinct lines across sorted lists, each opened lazily by `open` (so only their heads are in memory). */
export async function countDistinctSorted(lists: readonly (() => Promise<ByteStream>)[]): Promise<number> {
  const heap = new HeadHeap();
  for (const open of lists) {
    const rest = splitLines(await open(), 1, false)[Symbol.asyncIterator]();
    const value = await nextLine(rest);
    if (value !== undefined) heap.push({ value, rest });
  }
  let distinct = 0;
  let last: string | undefined;
  while (heap.size > 0) {
    const head = heap.pop();
    if (head.value !== last) {
      distinct++;
      last = head.value;
    }
    const value = await nextLine(head.rest);
    if (value !== undefined) {
      head.value = value;
      heap.push(head);
    }
  }
  return distinct;
}
