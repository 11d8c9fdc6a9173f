// aedes-persistence-level ships no type declarations; the hub uses only its async class.
declare module 'aedes-persistence-level/asyncPersistence.js' {
  class AsyncLevelPersistence {
    constructor (db: unknown)
    setup (broker: unknown): Promise<void>
    destroy (): Promise<void>
  }
  export = AsyncLevelPersistence
}
