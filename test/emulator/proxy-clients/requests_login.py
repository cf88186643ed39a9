"""A whole in-WeChat login with Python requests, through the emulator's proxy.

Unchanged SDK-style code: it calls WeChat's real hosts. Only the environment
differs: HTTPS_PROXY points at the emulator and REQUESTS_CA_BUNDLE trusts its
local CA. Prints one JSON line the test reads.
"""

import json
import re
import sys
from html.parser import HTMLParser
from urllib.parse import parse_qs, quote, urlsplit

import requests

APPID, SECRET = sys.argv[1], sys.argv[2]
REDIRECT = "http://localhost/callback"
STATE = "py123"


class ConsentForm(HTMLParser):
    """The hidden fields of WeChat's consent form, as a browser would post them."""

    def __init__(self):
        super().__init__()
        self.fields = {}

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "input" and attributes.get("type") == "hidden":
            self.fields[attributes["name"]] = attributes.get("value", "")


session = requests.Session()
result = {"requests": requests.__version__}

authorize = (
    "https://open.weixin.qq.com/connect/oauth2/authorize"
    f"?appid={APPID}&redirect_uri={quote(REDIRECT, safe='')}&response_type=code"
    f"&scope=snsapi_userinfo&state={STATE}#wechat_redirect"
)
page = session.get(authorize)
page.raise_for_status()
form = ConsentForm()
form.feed(page.text)
answer = session.post(
    "https://open.weixin.qq.com/connect/oauth2/authorize",
    data={**form.fields, "decision": "allow"},
    allow_redirects=False,
)
location = answer.headers["Location"]
query = parse_qs(urlsplit(location).query)
result["authorize"] = {"status": answer.status_code, "state": query["state"][0]}
code = query["code"][0]

token = session.get(
    "https://api.weixin.qq.com/sns/oauth2/access_token",
    params={"appid": APPID, "secret": SECRET, "code": code, "grant_type": "authorization_code"},
).json()
result["access_token"] = {key: token.get(key) for key in ("openid", "scope", "unionid", "expires_in")}

again = session.get(
    "https://api.weixin.qq.com/sns/oauth2/access_token",
    params={"appid": APPID, "secret": SECRET, "code": code, "grant_type": "authorization_code"},
).json()
result["code_reused"] = again.get("errcode")

answer = session.get(
    "https://api.weixin.qq.com/sns/userinfo",
    params={"access_token": token["access_token"], "openid": token["openid"], "lang": "zh_CN"},
)
# WeChat answers /sns/* as text/plain with no charset, which requests decodes as
# ISO-8859-1; the body is UTF-8, as wechatpy knows (it sets the encoding too).
result["content_type"] = answer.headers.get("Content-Type")
answer.encoding = "utf-8"
user = answer.json()
result["userinfo"] = {key: user.get(key) for key in ("openid", "nickname", "unionid", "headimgurl")}

avatar = session.get(user["headimgurl"])
result["avatar"] = {"status": avatar.status_code, "type": avatar.headers.get("Content-Type", "")}

refreshed = session.get(
    "https://api.weixin.qq.com/sns/oauth2/refresh_token",
    params={"appid": APPID, "grant_type": "refresh_token", "refresh_token": token["refresh_token"]},
).json()
result["refresh_token"] = {"openid": refreshed.get("openid"), "has_unionid": "unionid" in refreshed}

checked = session.get(
    "https://api.weixin.qq.com/sns/auth",
    params={"access_token": refreshed["access_token"], "openid": token["openid"]},
).json()
result["auth"] = checked.get("errcode")

try:
    session.get("https://example.com/", timeout=5)
    result["other_host"] = "served"
except requests.exceptions.ProxyError as error:
    result["other_host"] = "refused" if re.search(r"403", str(error)) else f"proxy error: {error}"

print(json.dumps(result, ensure_ascii=False))
