// Appending to the verifiable log inside one ledger write: loads the base
// nodes of the tree's incomplete groups (≤ 15 per tier), turns each record
// into its leaf, collects the node groups completed, and seals a block when
// asked or when enough records accumulated.
import { hashBytes, leafHashText } from './sha256.js';
import { TreeAppender, withStoredNodes } from './merkle-log.js';
import { sealNext, type LedgerSigner } from './blocks.js';
import { emptyWrites, type Appended, type BlockRow, type LedgerTransaction, type LedgerWrites } from '../store/ledger-store.js';

export class LogSession {
  readonly writes: LedgerWrites = emptyWrites();

  private constructor(private readonly tree: TreeAppender, private readonly lastBlock: BlockRow | null) {}

  static async open(transaction: LedgerTransaction): Promise<LogSession> {
    const size = await transaction.treeSize();
    const tree = await withStoredNodes(transaction, size, (read) => new TreeAppender(size, read));
    return new LogSession(tree, await transaction.lastBlock());
  }

  get treeSize(): number {
    return this.tree.size;
  }

  /** Leaves sealed by the last block (0 before the first). */
  get sealedSize(): number {
    return this.lastBlock?.treeSize ?? 0;
  }

  /** Appends `row` as the next leaf, whose bytes are `leafText` (its record's canonical JSON); sets `row.seq`. */
  append<Row extends { seq: number }>(row: Row, leafText: string): Appended<Row> {
    const hash = leafHashText(leafText);
    row.seq = this.tree.append(hash);
    return { row, leaf: Buffer.from(leafText), hash: hashBytes(hash) };
  }

  /**
   * Seals a block when forced (and the tree grew since the last block, or
   * there is none yet) or when `recordsPerBlock` records are unsealed.
   * Returns the newest block.
   */
  seal(nowMs: number, signer: LedgerSigner, force: boolean, recordsPerBlock: number): BlockRow | null {
    const unsealed = this.tree.size - this.sealedSize;
    const due = force ? this.lastBlock === null || unsealed > 0 : unsealed >= recordsPerBlock;
    if (!due) return this.lastBlock;
    const block = sealNext(this.lastBlock, this.tree.size, this.tree.root(), nowMs, signer);
    this.writes.blocks.push(block);
    return block;
  }

  /** The writes, with the node groups the appends completed. */
  finish(): LedgerWrites {
    this.writes.nodeGroups = this.tree.completedGroups;
    return this.writes;
  }
}
