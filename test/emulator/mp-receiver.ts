import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import {
  MAX_PUSH_BODY_BYTES,
  type OpenedPush,
  openPush,
  type PushAccount,
  PushError,
  parsePushBody,
  sealReply,
  textReply,
  verifyServerUrl,
} from "../../src/protocol/index.js";

/** A site's push endpoint in a few lines, built only on the protocol functions: what the flow will do. */
export interface Receiver {
  url: string;
  account: PushAccount;
  pushes: OpenedPush[];
  errors: PushError[];
  /** Milliseconds to wait before answering the next requests, one entry per request. */
  delays: number[];
  /** What to answer an accepted push with. */
  reply: "success" | "text" | "garbage";
  close(): Promise<void>;
}

async function readCapped(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    // Past the cap the rest is drained, never buffered: one byte over is enough for parsePushBody to refuse it.
    if (size > MAX_PUSH_BODY_BYTES) continue;
    size += (chunk as Buffer).length;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

export async function startReceiver(account: PushAccount): Promise<Receiver> {
  const receiver = { account, pushes: [], errors: [], delays: [], reply: "text" } as unknown as Receiver;
  const server = createServer(async (request, response) => {
    const query = new URL(request.url ?? "/", "http://receiver").searchParams;
    // The body is read first: a sender that gives up on a slow answer must not break the read.
    const body = request.method === "POST" ? await readCapped(request) : "";
    const delay = receiver.delays.shift() ?? 0;
    if (delay) await new Promise((resolve) => setTimeout(resolve, delay));
    try {
      if (request.method === "GET") {
        response
          .writeHead(200, { "content-type": "text/plain" })
          .end(verifyServerUrl(query, receiver.account.token));
        return;
      }
      parsePushBody(body);
      const push = openPush({ query, body }, receiver.account);
      receiver.pushes.push(push);
      let answer = "success";
      if (receiver.reply === "garbage") answer = '{"not":"a reply"';
      if (receiver.reply === "text") {
        const text = textReply({
          to: push.event.openid,
          from: push.event.accountId,
          content: `已登录 ${push.event.type}`,
          createTime: Math.floor(Date.now() / 1000),
        });
        answer = sealReply(text, push, receiver.account, { timestamp: Math.floor(Date.now() / 1000) });
      }
      response.writeHead(200, { "content-type": "application/xml" }).end(answer);
    } catch (error) {
      if (!(error instanceof PushError)) throw error;
      receiver.errors.push(error);
      if (!response.headersSent) response.writeHead(error.code === "WL_PUSH_SIGNATURE" ? 403 : 400).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/wechat/mp/events`;
  receiver.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return receiver;
}
