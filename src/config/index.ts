/**
 * @module config
 *
 * The configuration: its schema (the source of docs/configuration.md) and the loader.
 */
export {
  ConfigSchema,
  type AppConfig,
  type KafkaConfig,
  type ProduceConfig,
  type ServerConfig,
  type ConsoleConfig,
} from './schema.ts'
export { loadConfig, listConfigLeaves, ENV_PREFIX, type ConfigLeaf } from './load.ts'
