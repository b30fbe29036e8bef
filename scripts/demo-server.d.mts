// Types of scripts/demo-server.mjs, for the tests and benches that start it.
export interface DemoServer {
  /** Base URL, e.g. http://127.0.0.1:8080 */
  url: string;
  close(): Promise<void>;
}
export function startDemoServer(options?: { port?: number; mounts?: Record<string, string>; quiet?: boolean; isolation?: boolean }): Promise<DemoServer>;
export declare const ISOLATION_HEADERS: Record<string, string>;
