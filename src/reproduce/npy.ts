/** The NumPy types the reproduction files use: float32, float64, int32 (little-endian) and uint8 (a scene's grey levels). */
export type NpyType = '<f4' | '<f8' | '<i4' | '|u1';

/** An .npy file as NumPy writes it (version 1.0, little-endian, C order): `values` row-major for `shape`. */
export function npyBytes(shape: readonly number[], values: ArrayLike<number>, descr: NpyType = '<f4'): Uint8Array {
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== values.length) throw new Error(`npy: shape [${shape.join(', ')}] holds ${count} values, given ${values.length}`);
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  header += ' '.repeat(63 - ((10 + header.length) % 64)) + '\n';
  const width = descr === '<f8' ? 8 : descr === '|u1' ? 1 : 4;
  const bytes = new Uint8Array(10 + header.length + values.length * width);
  bytes.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  new DataView(bytes.buffer).setUint16(8, header.length, true);
  bytes.set(new TextEncoder().encode(header), 10);
  const view = new DataView(bytes.buffer, 10 + header.length);
  for (let i = 0; i < values.length; i++) {
    if (descr === '<f4') view.setFloat32(i * 4, values[i], true);
    else if (descr === '<f8') view.setFloat64(i * 8, values[i], true);
    else if (descr === '|u1') view.setUint8(i, values[i]);
    else view.setInt32(i * 4, values[i], true);
  }
  return bytes;
}

/** An .npy file this project wrote (float32, float64 or int32, C order): its shape and values. */
export function readNpyArray(name: string, bytes: Uint8Array): { shape: number[]; data: Float32Array | Float64Array | Int32Array } {
  const magic = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];
  if (bytes.length < 10 || magic.some((b, i) => bytes[i] !== b)) throw new Error(`${name}: not an .npy file`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = bytes[6] === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const start = bytes[6] === 1 ? 10 : 12;
  const header = new TextDecoder().decode(bytes.subarray(start, start + headerLength));
  const descr = header.match(/'descr':\s*'([^']+)'/)?.[1];
  const shapeText = header.match(/'shape':\s*\(([^)]*)\)/)?.[1];
  if (/'fortran_order':\s*True/.test(header)) throw new Error(`${name}: Fortran order; expected C order`);
  if (descr !== '<f4' && descr !== '<f8' && descr !== '<i4') throw new Error(`${name}: dtype ${descr}; expected <f4, <f8 or <i4`);
  if (shapeText === undefined) throw new Error(`${name}: no shape in its header`);
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map(Number);
  const count = shape.reduce((a, b) => a * b, 1);
  // A copy of its own (a Node Buffer's slice is a view into a larger pool, whose .buffer would start elsewhere).
  const body = Uint8Array.prototype.slice.call(bytes, start + headerLength);
  const width = descr === '<f8' ? 8 : 4;
  if (body.length !== count * width) throw new Error(`${name}: ${body.length} bytes of data for shape (${shape.join(', ')})`);
  const data = descr === '<f4' ? new Float32Array(body.buffer) : descr === '<f8' ? new Float64Array(body.buffer) : new Int32Array(body.buffer);
  return { shape, data };
}
