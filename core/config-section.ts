// One section of the hub's configuration, owned by the subsystem it configures (broker/config.ts, mes/config.ts,
// ...). The hub merges the sections into the config file's JSON Schema, the environment variables and `--help`, so
// a subsystem's settings are written once, beside the code that uses them.
import type { Problem } from './errors'

/** How an environment variable's text becomes a value: a path is resolved against the working directory. */
export type SettingKind = 'string' | 'path' | 'int' | 'bool'

/** One setting that can come from the environment; `--help` prints one line per row. */
export interface EnvSetting {
  readonly env: string
  /** Dotted key in the config file, from the top (`mqtt.ws.port`). */
  readonly key: string
  readonly kind: SettingKind
  readonly help: string
}

/** A JSON Schema (draft-07) object, as written in the section's file. */
export type JsonSchema = { readonly [keyword: string]: unknown }

export interface ConfigSection<T, K extends string = string> {
  /** The section's top-level key in the config file (`mqtt`); '' for settings at the top level (the hub's own). */
  readonly key: K
  /** Fresh defaults (callers may change them); cwd is where relative default paths start. */
  defaults (cwd: string): T
  /** The section's JSON Schema: an object schema whose properties are the section's keys. */
  readonly schema: JsonSchema
  readonly settings: readonly EnvSetting[]
  /** Dotted keys whose values are file paths: in a config file, relative to that file. */
  readonly filePathKeys?: readonly string[]
  /** Dotted keys that only the config file sets, named in `--help`. */
  readonly fileOnlyKeys?: readonly string[]
  /** Rules across keys that the schema cannot say; problems carry JSON paths from the top (`/mes/postgresUrl`). */
  check? (value: T): Problem[]
}
