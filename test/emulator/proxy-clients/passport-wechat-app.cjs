// An Express app logging in with the unmodified passport-wechat strategy, which
// calls WeChat through its own wechat-oauth client. passport-wechat has no HTTP
// option, so that client (the strategy's `_oauth`) is given an agent on
// HTTPS_PROXY with wechat-oauth's documented setOpts(); the CA is trusted by
// NODE_EXTRA_CA_CERTS. Nothing else is changed.
//   node passport-wechat-app.cjs <appid> <secret> <client: wechat|web>
// Prints "listening <port>" once it serves.
const express = require("express");
const passport = require("passport");
const WechatStrategy = require("passport-wechat");
const { HttpsProxyAgent } = require("https-proxy-agent");

const [appID, appSecret, client] = process.argv.slice(2);
const app = express();
app.use(passport.initialize());
app.get("/login", passport.authenticate("wechat", { session: false }));
app.get("/callback", passport.authenticate("wechat", { session: false }), (req, res) => res.json(req.user));
app.use((error, _req, res, _next) => res.status(500).json({ error: String(error.message ?? error) }));

const server = app.listen(0, "127.0.0.1", () => {
  const { port } = server.address();
  const strategy = new WechatStrategy(
    {
      appID,
      appSecret,
      client,
      callbackURL: `http://localhost:${port}/callback`,
      scope: client === "web" ? "snsapi_login" : "snsapi_userinfo",
      state: "passport42",
    },
    (accessToken, _refreshToken, profile, expiresIn, done) =>
      done(null, { profile, hasAccessToken: typeof accessToken === "string", expiresIn }),
  );
  strategy._oauth.setOpts({ httpsAgent: new HttpsProxyAgent(process.env.HTTPS_PROXY), timeout: 10_000 });
  passport.use(strategy);
  console.log(`listening ${port}`);
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
