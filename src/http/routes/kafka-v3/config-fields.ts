/**
 * @module http/routes/kafka-v3/config-fields
 *
 * What topic, broker and cluster configs share on the wire, and how change requests map to
 * incremental alterations.
 */
import type { KafkaConfigChange, KafkaConfigEntry } from '../../../kafka/index.ts'

export function configFields(config: KafkaConfigEntry) {
  return {
    name: config.name,
    value: config.value,
    is_default: config.isDefault,
    is_read_only: config.isReadOnly,
    is_sensitive: config.isSensitive,
    source: config.source,
    synonyms: config.synonyms.map((synonym) => ({
      name: synonym.name,
      value: synonym.value,
      source: synonym.source,
    })),
  }
}

/**
 * `configs:alter` entries as changes. SET with a null value means "no value of its own", i.e. back
 * to the default, as PUT null does.
 */
export function toConfigChanges(
  entries: readonly {
    name: string
    value?: string | null | undefined
    operation?: string | null | undefined
  }[],
): KafkaConfigChange[] {
  return entries.map((entry) =>
    (entry.operation ?? 'SET').toUpperCase() === 'DELETE' || entry.value === null || entry.value === undefined
      ? { name: entry.name, operation: 'DELETE' }
      : { name: entry.name, operation: 'SET', value: entry.value },
  )
}

/** The change a single-config PUT makes. */
export function toConfigChange(name: string, value: string | null | undefined): KafkaConfigChange {
  return value === null || value === undefined
    ? { name, operation: 'DELETE' }
    : { name, operation: 'SET', value }
}
