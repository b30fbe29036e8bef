// Peer libraries measured beside our backends when the user has them installed (never our
// dependencies): each environment (Node: ./node.ts, the demo page: ./browser.ts) says how to load
// them; the drivers (./peers-tfjs.ts, ./peers-onnxruntime.ts) run the cases on them.
import type { BenchCase, Prepared } from './cases';
import type { BenchData } from './data';
import type { Engine, UnavailableRecord } from './records';

/** Why a peer does not run a case it could be asked for. */
export interface Refusal {
  /** 'failed': preparing it threw. */
  status: 'unsupported' | 'skipped' | 'failed';
  reason: string;
}

export interface Peer {
  engine: Engine;
  /** 'tfjs-wasm', 'tfjs-cpu', 'onnxruntime-node', 'onnxruntime-web'. */
  backend: string;
  /** Makes a case ready; a Refusal says why not; undefined: the peer has no version of this case (nothing is listed). */
  prepare(c: BenchCase, data: BenchData, quick: boolean): Promise<Prepared | Refusal | undefined>;
  /** Version and settings, for the results' note (set once the peer has started). */
  note?: string;
}

/** A peer library: the --backend names it answers to and how to load it. */
export interface PeerSource {
  engine: Engine;
  /** The backends it brings ('tfjs-wasm', 'tfjs-cpu'; 'onnxruntime-node'), as --backend names them. */
  names: readonly string[];
  /** A peer per name, or a record saying it is not installed (or failed to start). */
  load(): Promise<(Peer | UnavailableRecord)[]>;
}

export const isRefusal = (p: Prepared | Refusal): p is Refusal => 'status' in p;

/** The record of a peer that is not there. */
export function notInstalled(engine: Engine, backend: string, packages: string): UnavailableRecord {
  return { event: 'unavailable', engine, backend, status: 'not installed', reason: `install ${packages} to measure it beside ours` };
}

/** A missing module, as Node and browsers report it ('Cannot find package', 'Failed to fetch dynamically imported module', HTTP 404). */
export function isMissingModule(e: unknown): boolean {
  const { code, message } = (e ?? {}) as { code?: unknown; message?: unknown };
  return code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND' || /Cannot find (package|module)|Failed to fetch|HTTP 404/.test(String(message));
}

/** Loads a peer: its peers, or 'not installed' when `missing(e)`, or 'failed' with the message. */
export async function loadPeer(engine: Engine, names: readonly string[], packages: string, load: () => Promise<(Peer | UnavailableRecord)[]>): Promise<(Peer | UnavailableRecord)[]> {
  try {
    return await load();
  } catch (e) {
    if (isMissingModule(e)) return names.map((n) => notInstalled(engine, n, packages));
    return names.map((n) => ({ event: 'unavailable', engine, backend: n, status: 'failed', reason: e instanceof Error ? e.message : String(e) }));
  }
}
