# python3 requests_exchange.py CODE — with HTTPS_PROXY and REQUESTS_CA_BUNDLE set
import sys

import requests

API = "https://api.weixin.qq.com"
APPID, SECRET = "wx2c7e9a1f4b6d8e03", "7d1f3a9c5e2b8d4f6a0c1e3b5d7f9a2c"

token = requests.get(
    f"{API}/sns/oauth2/access_token",
    params={"appid": APPID, "secret": SECRET, "code": sys.argv[1], "grant_type": "authorization_code"},
).json()
answer = requests.get(
    f"{API}/sns/userinfo",
    params={"access_token": token["access_token"], "openid": token["openid"], "lang": "zh_CN"},
)
# WeChat sends text/plain without a charset; the body is UTF-8 (wechatpy sets this too).
answer.encoding = "utf-8"
user = answer.json()
print(user["nickname"], user["unionid"])
