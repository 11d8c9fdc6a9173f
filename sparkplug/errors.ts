// Typed failures of the Sparkplug B codec. `where.path` says which part of the payload failed, e.g.
// "metric 3 'Temperature'" (metrics are counted from 0, as in the protobuf array) or
// "metric 1 'Recipe' > dataset row 2 column 0 'Qty'".

import { HubError } from '../core/errors'

/** A buffer that is not a valid Sparkplug B payload: broken protobuf, or a value that contradicts its datatype. */
export class SparkplugDecodeError extends HubError {
  constructor (message: string, path?: string, hint?: string) {
    super('SPARKPLUG_DECODE_FAILED', message, path === undefined ? {} : { path }, hint)
  }
}

/** A value that does not fit its datatype, when encoding a payload or checking a JSON value (e.g. an NCMD write). */
export class SparkplugValueError extends HubError {
  constructor (message: string, path?: string, hint?: string) {
    super('SPARKPLUG_VALUE_INVALID', message, path === undefined ? {} : { path }, hint)
  }
}

/**
 * A payload that is valid Sparkplug B but larger than the hub accepts (an array over `sparkplug.maxArrayLength`):
 * refused like a malformed one, and reported as a limit so that people look at the setting, not the edge node's codec.
 */
export class SparkplugLimitError extends SparkplugDecodeError {
  constructor (message: string, path?: string, hint?: string) {
    super(message, path, hint)
  }
}
