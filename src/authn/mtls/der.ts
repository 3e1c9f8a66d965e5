/**
 * @module authn/mtls/der
 *
 * Just enough of a DER reader to take a certificate revocation list apart (Node parses
 * certificates but not CRLs). It reads tag-length-value elements from untrusted bytes and throws
 * `DerError` for anything malformed: a length past the end, an indefinite or oversized length, a
 * non-minimal length encoding.
 */

export class DerError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'DerError'
  }
}

/** One element: its tag byte, its content, and its whole encoding (tag, length and content). */
export interface DerElement {
  readonly tag: number
  readonly content: Buffer
  readonly encoded: Buffer
}

export const DER_TAG = {
  integer: 0x02,
  bitString: 0x03,
  objectIdentifier: 0x06,
  utcTime: 0x17,
  generalizedTime: 0x18,
  sequence: 0x30,
  /** `[0]` constructed: explicit context-specific tag 0. */
  context0: 0xa0,
} as const

/** Reads one element at `offset`; returns it and where the next one starts. */
export function readElement(bytes: Buffer, offset: number): { element: DerElement; next: number } {
  if (offset + 2 > bytes.length) throw new DerError('truncated element header')
  const tag = bytes[offset]!
  // High tag numbers (0x1f) never occur in the structures read here.
  if ((tag & 0x1f) === 0x1f) throw new DerError('multi-byte tags are not supported')
  let length = bytes[offset + 1]!
  let headerLength = 2
  if (length & 0x80) {
    const lengthBytes = length & 0x7f
    if (lengthBytes === 0) throw new DerError('indefinite lengths are not DER')
    if (lengthBytes > 4) throw new DerError('element too long')
    if (offset + 2 + lengthBytes > bytes.length) throw new DerError('truncated length')
    length = 0
    for (let i = 0; i < lengthBytes; i++) length = length * 256 + bytes[offset + 2 + i]!
    if (length < 0x80 || bytes[offset + 2] === 0) throw new DerError('length is not minimally encoded')
    headerLength += lengthBytes
  }
  const start = offset + headerLength
  const end = start + length
  if (end > bytes.length) throw new DerError('element runs past the end of its container')
  return {
    element: { tag, content: bytes.subarray(start, end), encoded: bytes.subarray(offset, end) },
    next: end,
  }
}

/** The elements inside a constructed element's content, in order. */
export function readChildren(content: Buffer): DerElement[] {
  const children: DerElement[] = []
  let offset = 0
  while (offset < content.length) {
    const { element, next } = readElement(content, offset)
    children.push(element)
    offset = next
  }
  return children
}

/** The single element that makes up `bytes`; trailing bytes are an error. */
export function readSingle(bytes: Buffer): DerElement {
  const { element, next } = readElement(bytes, 0)
  if (next !== bytes.length) throw new DerError('trailing bytes after the element')
  return element
}

export function expectTag(element: DerElement | undefined, tag: number, what: string): DerElement {
  if (element === undefined) throw new DerError(`${what} is missing`)
  if (element.tag !== tag) throw new DerError(`${what} has tag 0x${element.tag.toString(16)}`)
  return element
}

/** Dotted form of an OBJECT IDENTIFIER's content, e.g. `1.2.840.10045.4.3.2`. */
export function decodeObjectIdentifier(content: Buffer): string {
  if (content.length === 0) throw new DerError('empty object identifier')
  const parts: number[] = []
  let value = 0
  for (let i = 0; i < content.length; i++) {
    const byte = content[i]!
    value = value * 128 + (byte & 0x7f)
    if (value > Number.MAX_SAFE_INTEGER / 128) throw new DerError('object identifier arc too large')
    if ((byte & 0x80) === 0) {
      parts.push(value)
      value = 0
    } else if (i === content.length - 1) {
      throw new DerError('truncated object identifier')
    }
  }
  const first = parts[0]!
  const head = first < 40 ? [0, first] : first < 80 ? [1, first - 40] : [2, first - 80]
  return [...head, ...parts.slice(1)].join('.')
}

/**
 * A certificate serial number (a positive INTEGER) as upper-case hex without leading zeros, the
 * form used to compare serials from CRLs with `X509Certificate.serialNumber`.
 */
export function integerToHex(content: Buffer): string {
  if (content.length === 0) throw new DerError('empty integer')
  return normalizeSerial(content.toString('hex'))
}

/** Upper-case hex without leading zeros (`0` for zero). */
export function normalizeSerial(hex: string): string {
  const trimmed = hex.toUpperCase().replace(/^0+/, '')
  return trimmed === '' ? '0' : trimmed
}

/** A UTCTime or GeneralizedTime in the `…Z` form DER requires. */
export function decodeTime(element: DerElement): Date {
  const text = element.content.toString('latin1')
  let match: RegExpExecArray | null
  let year: number
  if (element.tag === DER_TAG.utcTime) {
    match = /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text)
    if (!match) throw new DerError(`bad UTCTime ${JSON.stringify(text.slice(0, 20))}`)
    const yy = Number(match[1])
    // RFC 5280 §4.1.2.5.1: two-digit years 50-99 are 19xx, 00-49 are 20xx.
    year = yy >= 50 ? 1900 + yy : 2000 + yy
  } else if (element.tag === DER_TAG.generalizedTime) {
    match = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text)
    if (!match) throw new DerError(`bad GeneralizedTime ${JSON.stringify(text.slice(0, 20))}`)
    year = Number(match[1])
  } else {
    throw new DerError(`a time has tag 0x${element.tag.toString(16)}`)
  }
  const [, , month, day, hour, minute, second] = match.map<number>(Number)
  const date = new Date(Date.UTC(year, month! - 1, day, hour, minute, second))
  if (Number.isNaN(date.getTime()) || date.getUTCMonth() !== month! - 1) throw new DerError('invalid date')
  return date
}
