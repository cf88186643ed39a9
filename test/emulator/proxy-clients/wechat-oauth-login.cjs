// The unmodified wechat-oauth package (node-webot), through the emulator's proxy.
// Only its HTTP library's agent is set, with its own documented setOpts(); the CA
// is trusted by NODE_EXTRA_CA_CERTS in this process's environment.
//   node wechat-oauth-login.cjs url   <appid> <secret> <redirect> <state>
//   node wechat-oauth-login.cjs login <appid> <secret> <code>
const OAuth = require("wechat-oauth");
const { HttpsProxyAgent } = require("https-proxy-agent");

const [mode, appid, secret, ...rest] = process.argv.slice(2);
const client = new OAuth(appid, secret);
client.setOpts({ httpsAgent: new HttpsProxyAgent(process.env.HTTPS_PROXY), timeout: 10_000 });

const call = (method, ...args) =>
  new Promise((resolve, reject) =>
    client[method](...args, (error, result) => (error ? reject(error) : resolve(result))),
  );

async function main() {
  if (mode === "url") {
    const [redirect, state] = rest;
    return {
      authorize: client.getAuthorizeURL(redirect, state, "snsapi_userinfo"),
      website: client.getAuthorizeURLForWebsite(redirect, state),
    };
  }
  const [code] = rest;
  const token = await call("getAccessToken", code);
  const user = await call("getUser", { openid: token.data.openid, lang: "zh_CN" });
  const refreshed = await call("refreshAccessToken", token.data.refresh_token);
  const valid = await call("verifyToken", token.data.openid, refreshed.data.access_token);
  let reused;
  try {
    await call("getAccessToken", code);
    reused = "accepted";
  } catch (error) {
    reused = error.code;
  }
  return {
    token: { openid: token.data.openid, scope: token.data.scope, unionid: token.data.unionid },
    user: { nickname: user.nickname, unionid: user.unionid, headimgurl: user.headimgurl },
    refreshed: { openid: refreshed.data.openid, unionid: refreshed.data.unionid },
    verified: valid.errcode,
    reused,
  };
}

main().then(
  (result) => console.log(JSON.stringify(result)),
  (error) => {
    console.error(`${error.name}: ${error.message}`);
    process.exit(1);
  },
);
