/**
 * @module authn/mtls/certificate-attributes
 *
 * What a certificate-pool filter can see of a client certificate, and the CEL variables it is
 * declared with. Confluent's examples use bare subject attributes (`CN == "test"`,
 * `C == 'Canada' && O == 'Confluent'`); Gatehouse keeps those and adds the full subject and issuer,
 * the subject alternative names and the serial number (docs/compatibility.md, "mTLS").
 */
import type { X509Certificate } from 'node:crypto'
import { createFilterCompiler, FilterTypes, type FilterCompiler } from '../filters/index.ts'

/** Subject attributes offered as bare variables (OpenSSL's short names). */
export const SUBJECT_ATTRIBUTES = ['CN', 'O', 'OU', 'C', 'L', 'ST', 'DC', 'UID', 'emailAddress'] as const
export type SubjectAttribute = (typeof SUBJECT_ATTRIBUTES)[number]

const stringList = FilterTypes.listOf(FilterTypes.string)

/** The variables of a certificate-pool filter. */
export const CERTIFICATE_FILTER_VARIABLES = {
  ...Object.fromEntries(SUBJECT_ATTRIBUTES.map((name) => [name, FilterTypes.string])),
  /** Every subject attribute with all its values, e.g. `"payments" in subject.OU`. */
  subject: FilterTypes.mapOf(stringList),
  /** The issuer's attributes, the same way. */
  issuer: FilterTypes.mapOf(stringList),
  /** Subject alternative names by kind: `san.dns`, `san.uri`, `san.email`, `san.ip` (always present, maybe empty). */
  san: FilterTypes.mapOf(stringList),
  /** Upper-case hex, e.g. `"1A2B"`. */
  serial: FilterTypes.string,
}

export const certificateFilterCompiler: FilterCompiler = createFilterCompiler({
  variables: CERTIFICATE_FILTER_VARIABLES,
})

type NameAttributes = Record<string, string[]>

/** `toLegacyObject()` gives a name as `{ CN: "a", OU: ["x", "y"] }`; here every value is a list. */
function nameAttributes(legacy: unknown): NameAttributes {
  const attributes: NameAttributes = Object.create(null) as NameAttributes
  if (legacy === null || typeof legacy !== 'object') return attributes
  for (const [name, value] of Object.entries(legacy as Record<string, unknown>)) {
    const values = (Array.isArray(value) ? value : [value]).filter(
      (each): each is string => typeof each === 'string',
    )
    if (values.length > 0) attributes[name] = values
  }
  return attributes
}

export interface SubjectAlternativeNames {
  readonly dns: string[]
  readonly uri: string[]
  readonly email: string[]
  readonly ip: string[]
}

const SAN_KINDS: Readonly<Record<string, keyof SubjectAlternativeNames>> = {
  DNS: 'dns',
  URI: 'uri',
  email: 'email',
  'IP Address': 'ip',
}

/**
 * Node's `subjectAltName` text (`DNS:a.example, IP Address:10.0.0.1, …`): entries are separated by
 * `, `, and values that could be misread (commas, quotes) are written as JSON strings. Kinds other
 * than DNS, URI, email and IP are skipped.
 */
export function parseSubjectAltName(text: string | undefined): SubjectAlternativeNames {
  const names: SubjectAlternativeNames = { dns: [], uri: [], email: [], ip: [] }
  if (text === undefined || text === '') return names
  const entry = /([A-Za-z ]+):("(?:[^"\\]|\\.)*"|[^,]*)(?:, |$)/y
  let match: RegExpExecArray | null
  while (entry.lastIndex < text.length && (match = entry.exec(text)) !== null) {
    const [, kind, raw] = match
    let value = raw!
    if (value.startsWith('"')) {
      try {
        value = JSON.parse(value) as string
      } catch {
        continue
      }
    }
    const key = SAN_KINDS[kind!]
    if (key !== undefined) names[key].push(value)
  }
  return names
}

/** The values a certificate-pool filter runs on, for `prepareFilterInput`. */
export function certificateFilterVariables(certificate: X509Certificate): Record<string, unknown> {
  const legacy = certificate.toLegacyObject() as { subject?: unknown; issuer?: unknown }
  const subject = nameAttributes(legacy.subject)
  const variables: Record<string, unknown> = {
    subject,
    issuer: nameAttributes(legacy.issuer),
    san: parseSubjectAltName(certificate.subjectAltName),
    serial: certificate.serialNumber.toUpperCase(),
  }
  // An absent attribute is the empty string, so `CN == "x"` is simply false instead of an error.
  for (const name of SUBJECT_ATTRIBUTES) variables[name] = subject[name]?.[0] ?? ''
  return variables
}

/** A subject attribute's first value, for `external_identifier` in audit records. */
export function subjectAttributeValue(certificate: X509Certificate, name: string): string | undefined {
  const legacy = certificate.toLegacyObject() as { subject?: unknown }
  return nameAttributes(legacy.subject)[name]?.[0]
}
