import { parentPort, workerData } from 'node:worker_threads';
import { runAttack, type AttackName, type AttackOptions } from './attacks.js';

/** Worker entry of runAttackInWorker: runs one attack and posts its result. */
const { address, name, options } = workerData as { address: string; name: AttackName; options: AttackOptions };
runAttack(address, name, options).then(
  (result) => parentPort!.postMessage(result),
  (error: unknown) => {
    throw error;
  },
);
