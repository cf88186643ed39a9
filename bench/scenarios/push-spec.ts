/** What the parent asks a push server process to be: the flow's receiver, or a bare route answering `success`. */
export interface PushServerSpec {
  mode: "flow" | "bare";
}

/** A fake Official Account both sides know (safe mode): the bench signs and seals what the receiver opens. */
export const PUSH_ACCOUNT = {
  appid: "wx2c7e9a1f4b6d8e03",
  secret: "7d1f3a9c5e2b8d4f6a0c1e3b5d7f9a2c",
  token: "benchToken2024",
  encodingAesKey: "Xm4Qp7Rt2Vw9Yz3Bc6Df8Gh1Jk5Ln0Ps4Tu7Wx2Za9E",
  originalId: "gh_5d2e7a9c3b1f",
} as const;
