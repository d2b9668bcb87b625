/**
 * Calibration and evaluation data in Apache Arrow IPC files (file or stream format, e.g. from
 * pyarrow or a pandas notebook): one column per network input, named as the input, each row one
 * example stored as a fixed-size list of float32. Read and written with the apache-arrow package.
 *
 * From Python:  pa.ipc.new_file(sink, schema) with a column pa.array(rows, pa.list_(pa.float32(), N))
 * (uncompressed: apache-arrow reads no LZ4/ZSTD record batches, and feather compresses by default).
 */
import { writeFileSync } from 'node:fs';
import { DataType, Field, FixedSizeList, Float32, makeData, makeVector, Precision, Table, tableFromIPC, tableToIPC, type Vector } from 'apache-arrow';
import { sizeOf, shapeToString, tensor, type Tensor } from '../ir/tensor.js';
import { CalibrationError } from '../errors.js';
import { readSource, type Batches, type DataSource } from './data.js';

export interface ArrowBatchOptions {
  /** Examples per batch (the batch dimension of each tensor). Default 1. */
  batchSize?: number;
  /** Shape of one example per column. Default [N] for a list of N floats. */
  shapes?: Readonly<Record<string, readonly number[]>>;
  /** The columns to read, when the file holds others (labels, ids). Default all. */
  columns?: readonly string[];
  /** Use only the first `limit` rows. */
  limit?: number;
}

/** One column read whole: all rows back to back, whatever record batches the file had. */
interface Column {
  readonly name: string;
  readonly shape: readonly number[];
  readonly values: Float32Array;
}

/**
 * An Arrow IPC file as f32 batches `{ [column]: Tensor [b, ...shape] }`. Everything is read and
 * checked here, so a wrong column shows at this call rather than in the middle of calibration.
 */
export function arrowBatches(source: DataSource, options: ArrowBatchOptions = {}): Batches {
  const { bytes, name } = readSource(source, 'Arrow');
  const table = readTable(bytes, name);
  const available = table.schema.fields.map((f) => f.name);
  const names = options.columns ?? available;
  for (const col of [...names, ...Object.keys(options.shapes ?? {})]) {
    if (!available.includes(col)) throw new CalibrationError(`${name}: no column '${col}'; the file has ${available.map((c) => `'${c}'`).join(', ')}`);
  }
  const columns = names.map((col) => readColumn(table, col, name, options.shapes?.[col]));
  const { batchSize = 1 } = options;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new CalibrationError(`arrowBatches: batchSize must be a positive integer, got ${batchSize}`);
  const limit = options.limit ?? table.numRows;
  if (!Number.isInteger(limit) || limit < 0) throw new CalibrationError(`arrowBatches: limit must be a non-negative integer, got ${limit}`);
  const examples = Math.min(limit, table.numRows);
  return {
    examples,
    batches: Math.ceil(examples / batchSize),
    *[Symbol.iterator]() {
      for (let first = 0; first < examples; first += batchSize) {
        const b = Math.min(batchSize, examples - first);
        const batch: Record<string, Tensor<'f32'>> = {};
        for (const { name: col, shape, values } of columns) {
          const size = sizeOf(shape);
          // A copy, so that a consumer holding on to a batch never sees the file's arrays.
          batch[col] = tensor('f32', [b, ...shape], values.slice(first * size, (first + b) * size));
        }
        yield batch;
      }
    },
  };
}

function readTable(bytes: Uint8Array, name: string): Table {
  let table: Table;
  try {
    table = tableFromIPC(bytes);
  } catch (e) {
    const msg = (e as Error).message;
    const hint = /compress/i.test(msg)
      ? "; it is compressed (LZ4/ZSTD), which apache-arrow does not read: write it uncompressed (pyarrow.feather.write_feather(..., compression='uncompressed'))"
      : ': it is not an Arrow IPC file (file or stream format), or it is truncated';
    throw new CalibrationError(`${name}: cannot be read as Arrow (${msg})${hint}`);
  }
  // An empty input parses as a table with no schema; nothing to calibrate with is an error too.
  if (table.numCols === 0) throw new CalibrationError(`${name}: no columns: not an Arrow IPC file, or an empty one`);
  if (table.numRows === 0) throw new CalibrationError(`${name}: no rows: one row per example is expected`);
  return table;
}

function isFloat32(t: DataType): boolean {
  return DataType.isFloat(t) && t.precision === Precision.SINGLE;
}

function readColumn(table: Table, col: string, name: string, given: readonly number[] | undefined): Column {
  const type = table.schema.fields.find((f) => f.name === col)!.type;
  const child = DataType.isFixedSizeList(type) ? type.children[0]?.type : undefined;
  if (!DataType.isFixedSizeList(type) || child === undefined || !isFloat32(child)) {
    throw new CalibrationError(
      `${name}: column '${col}' is ${String(type)}, not a fixed-size list of float32 (one row = one example); ` +
        `write it as pa.array(rows, pa.list_(pa.float32(), N)), or leave it out with the 'columns' option`,
    );
  }
  const n = type.listSize;
  const shape = given ?? [n];
  if (sizeOf(shape) !== n) {
    throw new CalibrationError(`${name}: column '${col}' has rows of ${n} values, but shape ${shapeToString(shape)} needs ${sizeOf(shape)}`);
  }
  const values = new Float32Array(table.numRows * n);
  let row = 0;
  for (const d of (table.getChild(col) as Vector<FixedSizeList<Float32>>).data) {
    const items = d.children[0]!;
    // A null row or value has no number behind it (its slot holds whatever the writer left).
    const bad = d.nullCount > 0 ? firstInvalid(d, d.length) : items.nullCount > 0 ? Math.floor(firstInvalid(items, d.length * n) / n) : -1;
    if (bad >= 0) throw new CalibrationError(`${name}: column '${col}' has a null in row ${row + bad}; every row must be ${n} numbers`);
    values.set(items.values.subarray(0, d.length * n), row * n);
    row += d.length;
  }
  return { name: col, shape, values };
}

function firstInvalid(d: { getValid(i: number): boolean }, length: number): number {
  for (let i = 0; i < length; i++) if (!d.getValid(i)) return i;
  return -1;
}

/** Columns of rows, one Float32Array (or number[]) per example, as an Arrow IPC file's bytes. */
export function arrowBytes(columns: Readonly<Record<string, readonly ArrayLike<number>[]>>): Uint8Array {
  const entries = Object.entries(columns);
  if (entries.length === 0) throw new CalibrationError('writeArrow: no columns given');
  const rows = entries[0]![1].length;
  const vectors: Record<string, Vector> = {};
  for (const [col, list] of entries) {
    if (list.length !== rows) throw new CalibrationError(`writeArrow: column '${col}' has ${list.length} rows, column '${entries[0]![0]}' has ${rows}; one row per example in every column`);
    if (rows === 0) throw new CalibrationError(`writeArrow: column '${col}' has no rows`);
    const n = list[0]!.length;
    const flat = new Float32Array(rows * n);
    list.forEach((r, i) => {
      if (r.length !== n) throw new CalibrationError(`writeArrow: column '${col}' row ${i} has ${r.length} values, row 0 has ${n}; rows are fixed-size lists`);
      flat.set(r, i * n);
    });
    const items = makeData({ type: new Float32(), length: flat.length, nullCount: 0, data: flat });
    const type = new FixedSizeList(n, new Field('item', new Float32(), true));
    vectors[col] = makeVector(makeData({ type, length: rows, nullCount: 0, child: items }));
  }
  return tableToIPC(new Table(vectors), 'file');
}

/** Writes columns of rows as an Arrow IPC file that `arrowBatches` (and pyarrow) read. */
export function writeArrow(path: string, columns: Readonly<Record<string, readonly ArrayLike<number>[]>>): void {
  writeFileSync(path, arrowBytes(columns));
}
