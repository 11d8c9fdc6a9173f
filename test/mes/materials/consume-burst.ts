// The consumptions of the kill -9 test (consume-crash.test.ts), shared by the test and its child process
// (consume-burst-writer.ts): writer w's i-th consumption is always the same command, so that the test knows what a
// client would retry after the crash.
export const BURST_LOTS = ['C-1', 'C-2', 'C-3', 'C-4']
export const BURST_LOT_QUANTITY = 1_000_000

export function burstConsumption (jobId: string, writer: number, i: number): { jobId: string, who: string, lotId: string, quantity: number, eventId: string } {
  return { jobId, who: 'scanner:burst', lotId: BURST_LOTS[(writer + i) % BURST_LOTS.length]!, quantity: 1 + (i % 3), eventId: `burst-${writer}-${i}` }
}
