// The emulator's own reading of spec B.5's rules for getwxacodeunlimit.
const SCENE = /^[0-9A-Za-z!#$&'()*+,/:;=?@\-._~]{1,32}$/;
const PAGE = /^[A-Za-z0-9_\-.]+(\/[A-Za-z0-9_\-.]+)*$/;
const ENV_VERSIONS = new Set(["release", "trial", "develop"]);

export interface WxaCodeRequest {
  scene: string;
  /** Undefined: the mini program's home page. */
  page: string | undefined;
  envVersion: string;
  width: number;
}

/** The body read as WeChat does, or the errcode it answers. */
export function readWxaCodeRequest(
  body: Record<string, unknown>,
  publishedPages: readonly string[],
): { ok: true; request: WxaCodeRequest } | { ok: false; errcode: 40169 | 41030 | 47001 } {
  const { scene, page, check_path: checkPath = true, env_version: envVersion = "release" } = body;
  if (typeof scene !== "string" || !SCENE.test(scene)) return { ok: false, errcode: 40169 };
  if (typeof checkPath !== "boolean" || typeof envVersion !== "string" || !ENV_VERSIONS.has(envVersion)) {
    return { ok: false, errcode: 47001 };
  }
  if (page !== undefined) {
    if (typeof page !== "string" || !PAGE.test(page)) return { ok: false, errcode: 41030 };
    if (checkPath && !publishedPages.includes(page)) return { ok: false, errcode: 41030 };
  }
  const width = typeof body.width === "number" ? Math.min(1280, Math.max(280, Math.round(body.width))) : 430;
  return { ok: true, request: { scene, page: page as string | undefined, envVersion, width } };
}

/** Where "scanning" the code leads: the phone's mini-program panel, opening `page` with `scene`. */
export function wxaCodeTarget(base: string, appid: string, request: WxaCodeRequest): string {
  const query = new URLSearchParams({ scene: request.scene });
  if (request.page !== undefined) query.set("page", request.page);
  if (request.envVersion !== "release") query.set("env_version", request.envVersion);
  return `${base}/_emulator/mini-program/${appid}?${query.toString()}`;
}
