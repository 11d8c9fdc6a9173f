// Typed errors that say what failed, where, and what to do. Messages are for people reading a log or a
// Node-RED debug pane; `code` is for programs that branch on the kind of failure.

export interface ErrorPlace {
  /** A file, topic, segment or endpoint. */
  readonly source?: string
  /** A JSON path (`/sites/0/areas/1/id`), a line, or a field name inside the source. */
  readonly path?: string
}

export class HubError extends Error {
  readonly code: string
  readonly where: ErrorPlace
  readonly hint: string | undefined
  /** The message without the place and the hint (for answers that carry those in their own fields). */
  readonly detail: string

  constructor (code: string, message: string, where: ErrorPlace = {}, hint?: string) {
    super(HubError.compose(message, where, hint))
    this.name = new.target.name
    this.code = code
    this.detail = message
    this.where = where
    this.hint = hint
  }

  private static compose (message: string, where: ErrorPlace, hint?: string): string {
    const place = [where.source, where.path].filter(Boolean).join(' at ')
    return `${place ? place + ': ' : ''}${message}${hint ? ` (${hint})` : ''}`
  }
}

/** One problem found while validating input; validators collect all of them before throwing. */
export interface Problem {
  readonly path: string
  readonly message: string
}

/** Input that failed validation: every problem at once, so a user fixes a file in one pass. */
export class ValidationError extends HubError {
  readonly problems: readonly Problem[]

  constructor (source: string, problems: readonly Problem[], hint?: string) {
    super('VALIDATION_FAILED',
      `${problems.length} problem${problems.length === 1 ? '' : 's'}:\n` +
        problems.map((p) => `  - ${p.path || '/'}: ${p.message}`).join('\n'),
      { source }, hint)
    this.problems = problems
  }
}
