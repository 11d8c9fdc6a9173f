// node-red-node-test-helper ships no type declarations; these cover what the tests use.
declare module 'node-red-node-test-helper' {
  interface TestNode {
    receive (msg: Record<string, unknown>): void
    on (event: string, listener: (...args: any[]) => void): void
  }
  const helper: {
    init (nodeRedRuntimePath: string, userSettings?: Record<string, unknown>): void
    /** Runtime settings for the next load, merged with the runtime's defaults. */
    settings (userSettings: Record<string, unknown>): Record<string, unknown>
    startServer (done: () => void): void
    stopServer (done: () => void): void
    load (nodes: unknown, flow: unknown[], credentials?: unknown): Promise<void>
    unload (): Promise<void>
    getNode (id: string): TestNode
    /** supertest against the runtime's admin app (httpAdmin), with its routes. */
    request (): { get (path: string): RequestChain }
  }
  interface RequestChain {
    query (q: Record<string, string>): RequestChain
    expect (status: number): Promise<{ status: number, body: any }>
  }
  export = helper
}
