// node wechat-oauth.cjs CODE — with HTTPS_PROXY and NODE_EXTRA_CA_CERTS set
const OAuth = require("wechat-oauth");
const { HttpsProxyAgent } = require("https-proxy-agent");

const client = new OAuth("wx2c7e9a1f4b6d8e03", "7d1f3a9c5e2b8d4f6a0c1e3b5d7f9a2c");
// wechat-oauth's HTTP library (urllib) does not read HTTPS_PROXY: give it an agent on it.
client.setOpts({ httpsAgent: new HttpsProxyAgent(process.env.HTTPS_PROXY) });

client.getAccessToken(process.argv[2], (error, token) => {
  if (error) throw error;
  client.getUser(token.data.openid, (failed, user) => {
    if (failed) throw failed;
    console.log(user.nickname, user.unionid);
  });
});
