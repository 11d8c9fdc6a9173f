// What a migration is: a version, a name, and its statements (the same for both dialects, or per dialect).
import type { Dialect } from '../store'

export interface Migration {
  version: number
  name: string
  statements: readonly string[] | Readonly<Record<Dialect, readonly string[]>>
}
