// The CRC-32 (zlib's, as in a gzip trailer) of two byte strings one after
// the other, from their own CRCs and the second's length: the exposition
// keeps each family's CRC, not its text, so that a family rendered for an
// earlier snapshot can join a later gzip member without being read again.
//
// A CRC is a remainder of polynomial division over GF(2); appending n bytes
// multiplies the first remainder by x^(8n) modulo the CRC polynomial. zlib's
// CRC-32 is bit-reflected, so bit 31 of a value holds the coefficient of x^0
// and bit 0 that of x^31.
const POLYNOMIAL = 0xedb88320;
const ONE = 0x80000000;

/** a·b modulo the polynomial, both in the reflected representation. */
function multiply(a: number, b: number): number {
  let product = 0;
  for (let bit = ONE; bit !== 0; bit >>>= 1) {
    if ((a & bit) !== 0) product ^= b;
    b = (b & 1) !== 0 ? (b >>> 1) ^ POLYNOMIAL : b >>> 1;
  }
  return product >>> 0;
}

/** x^(2^k) modulo the polynomial for k = 0..63: squaring the one before. */
const X_TO_2_TO_K: readonly number[] = (() => {
  const powers = [ONE >>> 1];
  for (let k = 1; k < 64; k++) powers.push(multiply(powers[k - 1] as number, powers[k - 1] as number));
  return powers;
})();

/** x^n modulo the polynomial, from the binary digits of n. */
function xToThe(n: number): number {
  let result = ONE;
  for (let k = 0; n > 0; k++, n = Math.floor(n / 2)) {
    if (n % 2 === 1) result = multiply(X_TO_2_TO_K[k] as number, result);
  }
  return result;
}

/** The CRC-32 of A followed by B, given crc32(A), crc32(B) and B's length in bytes. */
export function crc32Concat(crcA: number, crcB: number, lengthB: number): number {
  if (!Number.isSafeInteger(lengthB) || lengthB < 0) throw new RangeError(`crc32Concat: length ${lengthB} is not a byte count`);
  return (multiply(xToThe(8 * lengthB), crcA) ^ crcB) >>> 0;
}
