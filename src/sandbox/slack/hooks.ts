import { Router, sendJson, sendText, type RouteRequest } from "../../http/router.ts";
import type { SlackCore } from "./core.ts";
import type { Json, SandboxFile } from "./types.ts";

/** Reads the uploaded bytes: a raw body, or the first file part (or `body`/`file` field) of a multipart form. */
async function uploadedBytes(req: RouteRequest): Promise<Buffer> {
  const type = String(req.headers["content-type"] ?? "");
  if (!type.toLowerCase().startsWith("multipart/form-data")) return req.body;
  const form = await new Response(new Uint8Array(req.body), { headers: { "content-type": type } }).formData();
  for (const [, v] of form.entries()) if (typeof v !== "string") return Buffer.from(await v.arrayBuffer());
  const field = form.get("body") ?? form.get("file");
  return Buffer.from(typeof field === "string" ? field : "");
}

function serveFile(res: import("node:http").ServerResponse, f: SandboxFile | undefined, download = false): void {
  if (!f?.data) return sendText(res, 404, "file not found");
  sendText(res, 200, f.data, f.mimetype, download ? { "content-disposition": `attachment; filename="${f.name.replace(/"/g, "")}"` } : { "cache-control": "private, max-age=3600" });
}

function authorized(core: SlackCore, req: RouteRequest): boolean {
  const token = /^Bearer\s+(.+)$/i.exec(String(req.headers.authorization ?? ""))?.[1]?.trim();
  return !!token && (token === core.botToken || core.userTokens.has(token));
}

/**
 * Slack's non-API URLs: response_urls (`/hooks/commands/…`, `/hooks/actions/…`), the external
 * upload URL (`/upload/v1/…`), and files (`/files-pri/…` needs the token, as on Slack;
 * `/sandbox/files/<id>` is the page's unauthenticated copy).
 */
export function hooksRouter(core: SlackCore): Router {
  return new Router({ maxBodyBytes: 50 * 1024 * 1024 })
    .add("POST", "/hooks/:kind/*rest", (req, res) => {
      let body: Json;
      try {
        const type = String(req.headers["content-type"] ?? "");
        const text = req.body.toString("utf8");
        body = type.includes("x-www-form-urlencoded") ? (JSON.parse(new URLSearchParams(text).get("payload") ?? "{}") as Json) : (JSON.parse(text) as Json);
      } catch {
        return sendJson(res, 400, { ok: false, error: "invalid_payload" });
      }
      const end = core.activity.begin();
      try {
        const r = core.responseUrls.handle(`${req.params.kind}/${req.params.rest}`, body);
        if (r.ok) sendJson(res, 200, { ok: true });
        else sendJson(res, r.status, { ok: false, error: r.error, ...(r.extra ?? {}) });
      } finally {
        end();
      }
    })
    .add("POST", "/upload/v1/:key", async (req, res) => {
      const f = core.ws.fileByUploadKey(req.params.key);
      if (!f || f.completed) return sendText(res, 404, "Not Found");
      const data = await uploadedBytes(req);
      f.data = data;
      f.size = data.length;
      sendText(res, 200, `OK - ${data.length}`);
    })
    .add("GET", "/files-pri/:teamFile/*rest", (req, res) => {
      if (!authorized(core, req)) return sendText(res, 200, "<!DOCTYPE html><html><body>Sign in to aisre sandbox</body></html>", "text/html; charset=utf-8");
      const id = req.params.teamFile.split("-").pop() ?? "";
      serveFile(res, core.ws.file(id), req.params.rest.startsWith("download/"));
    })
    .add("GET", "/sandbox/files/:id", (req, res) => serveFile(res, core.ws.file(req.params.id)));
}
