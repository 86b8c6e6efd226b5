/**
 * The dev WebSocket proxy (dev/stack/proxy.ts) bridges to a loopback Postgres,
 * and loopback is reachable from any web page the developer opens. Browsers
 * always send `Origin` with a WebSocket upgrade; the Worker's own WebSocket
 * does not. So an upgrade with an Origin header is refused with 403, while the
 * Worker's upgrades (every database test of this suite) still go through.
 *
 * Regression: the proxy accepted any upgrade to an allowed target, so a page
 * could reach the local Postgres through it.
 */
import { inject } from "vitest";
import { describe, expect, it } from "vitest";

const proxy = inject("wsProxy");
const target = new URL(inject("databaseUrl"));

function upgrade(headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`http://${proxy}/v1?address=${target.hostname}:${target.port}`, { headers: { Upgrade: "websocket", ...headers } });
}

describe("dev WebSocket proxy", () => {
  it("refuses a browser's upgrade (an Origin header) with 403, even to an allowed target", async () => {
    for (const origin of ["https://example.com", "http://127.0.0.1:8787", "null"]) {
      const res = await upgrade({ Origin: origin });
      expect(res.status, origin).toBe(403);
      expect(res.webSocket).toBeNull();
      expect(await res.text()).toMatch(/Origin/);
    }
  });

  it("still accepts the Worker's upgrade, which carries no Origin", async () => {
    const res = await upgrade();
    expect(res.status).toBe(101);
    const ws = res.webSocket;
    expect(ws).not.toBeNull();
    ws?.accept();
    ws?.close(1000);
  });
});
