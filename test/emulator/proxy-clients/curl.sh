# HTTPS_PROXY and NODE_EXTRA_CA_CERTS as the emulator printed them; curl reads HTTPS_PROXY itself.
curl --silent --cacert "$NODE_EXTRA_CA_CERTS" \
  "https://api.weixin.qq.com/sns/auth?access_token=ACCESS_TOKEN&openid=OPENID"
