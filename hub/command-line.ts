// Flags shared by the hub's commands (npm start, verify-audit): --help, --config <file>, and settings by flag
// (`--data-dir dir` or `--data-dir=dir`), each mapped to its dotted config key.
import { HubError } from '../core/errors'

export interface CommandLine {
  help: boolean
  file?: string
  overrides: Record<string, string>
}

export function parseCommandLine (argv: readonly string[], flagKeys: Readonly<Record<string, string>>): CommandLine {
  const out: CommandLine = { help: false, file: undefined, overrides: {} }
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i]!.split(/=(.*)/s, 2) as [string, string | undefined]
    const value = (): string => {
      const v = inline ?? argv[++i]
      if (v === undefined) throw new HubError('BAD_ARGUMENT', `${flag} needs a value`, {}, 'see --help')
      return v
    }
    const key = flagKeys[flag]
    if (flag === '--help' || flag === '-h') out.help = true
    else if (flag === '--config') out.file = value()
    else if (key !== undefined) out.overrides[key] = value()
    else throw new HubError('BAD_ARGUMENT', `unknown option '${argv[i]}'`, {}, 'see --help')
  }
  return out
}
