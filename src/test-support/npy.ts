/** An .npy file as NumPy writes it (version 1.0, little-endian, C order): `values` row-major for `shape`. */
export function npyBytes(shape: number[], values: number[], descr: '<f4' | '<f8' = '<f4'): Uint8Array {
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  header += ' '.repeat(63 - ((10 + header.length) % 64)) + '\n';
  const width = descr === '<f4' ? 4 : 8;
  const bytes = new Uint8Array(10 + header.length + values.length * width);
  bytes.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  new DataView(bytes.buffer).setUint16(8, header.length, true);
  bytes.set(new TextEncoder().encode(header), 10);
  const view = new DataView(bytes.buffer, 10 + header.length);
  values.forEach((v, i) => (width === 4 ? view.setFloat32(i * 4, v, true) : view.setFloat64(i * 8, v, true)));
  return bytes;
}
