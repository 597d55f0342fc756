import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Heap plus off-heap buffers still reachable after a full GC, MiB: what the process really retains. */
export async function retainedMb(): Promise<number> {
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((r) => setImmediate(r));
  }
  const m = process.memoryUsage();
  return Math.round(((m.heapUsed + m.arrayBuffers) / 2 ** 20) * 10) / 10;
}
