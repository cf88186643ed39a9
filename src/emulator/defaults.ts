import type { EmulatorConfig } from "./config.js";

/** Open Platform account the default apps are bound to, so they share unionids. */
export const DEFAULT_OPEN_ACCOUNT = "open_emulator_demo";

const localDomains = ["localhost", "127.0.0.1"];

/**
 * Apps and users the emulator starts with when no config is given. The appids
 * and secrets are fixed so docs and examples can quote them; they are fake.
 */
export const DEFAULT_CONFIG: EmulatorConfig = {
  apps: [
    {
      kind: "website",
      appid: "wx8f3a6b2c1d0e4f57",
      secret: "3b9e2f71c4a8d6e05f1a7c3b9d2e8f40",
      name: "Demo Website",
      domains: localDomains,
      openAccount: DEFAULT_OPEN_ACCOUNT,
    },
    {
      kind: "official-account",
      appid: "wx2c7e9a1f4b6d8e03",
      secret: "7d1f3a9c5e2b8d4f6a0c1e3b5d7f9a2c",
      name: "Demo Official Account",
      domains: localDomains,
      openAccount: DEFAULT_OPEN_ACCOUNT,
      officialAccount: {
        originalId: "gh_5d2e7a9c3b1f",
        token: "emulatorToken2024",
        encodingAesKey: "Xm4Qp7Rt2Vw9Yz3Bc6Df8Gh1Jk5Ln0Ps4Tu7Wx2Za9E",
        mode: "plain",
        format: "xml",
        accountType: "service-verified",
      },
    },
    {
      kind: "mini-program",
      appid: "wx6d4b2e8f1a3c5e79",
      secret: "c2e4a6f8b0d1e3f5a7c9b1d3e5f7a9b0",
      name: "Demo Mini Program",
      domains: [],
      openAccount: DEFAULT_OPEN_ACCOUNT,
      pages: ["pages/index/index", "pages/login/confirm"],
    },
    {
      kind: "website",
      appid: "wx9a1c3e5f7b2d4f60",
      secret: "1f3e5d7c9b0a2e4f6d8c0b1a3e5f7d9c",
      name: "Unbound Website",
      domains: localDomains,
    },
  ],
  users: [
    { id: "zhangsan", nickname: "张三", headimgurl: "/_emulator/avatar/zhangsan/132" },
    { id: "lily", nickname: "Lily 🌸", headimgurl: "/_emulator/avatar/lily/132" },
    { id: "noavatar", nickname: "李四", headimgurl: "" },
  ],
};
