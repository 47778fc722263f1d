"""The smoke test of docs/deploy.md: drive a running Headway over HTTP as a browser and a script
would, through a proxy that ended TLS (X-Forwarded-Proto: https). Exits non-zero on any surprise.

Usage: python .ci/deploy_smoke.py BASE_URL EMAIL PASSWORD TOKEN
"""

from __future__ import annotations

import http.client
import json
import re
import sys
import urllib.parse
from http.cookies import SimpleCookie


class Browser:
    """Just enough of a browser: cookies (also Secure ones: the proxy ended TLS) and headers."""

    def __init__(self, base: str) -> None:
        self.base = urllib.parse.urlsplit(base)
        self.cookies: dict[str, str] = {}

    def request(
        self, method: str, path: str, body: str = "", headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], str]:
        connection = http.client.HTTPConnection(self.base.hostname, self.base.port, timeout=30)
        sent = {"X-Forwarded-Proto": "https", "Host": self.base.netloc, **(headers or {})}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        connection.request(method, path, body=body.encode(), headers=sent)
        response = connection.getresponse()
        text = response.read().decode(errors="replace")
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                for name, morsel in SimpleCookie(value).items():
                    self.cookies[name] = morsel.value
        return response.status, {k.lower(): v for k, v in response.getheaders()}, text


def expect(condition: bool, what: str) -> None:
    print(("ok    " if condition else "FAILED ") + what)
    if not condition:
        sys.exit(1)


def main(base: str, email: str, password: str, token: str) -> None:
    origin = "https://" + urllib.parse.urlsplit(base).netloc
    browser = Browser(base)

    plain = http.client.HTTPConnection(browser.base.hostname, browser.base.port, timeout=30)
    plain.request("GET", "/sign-in/", headers={"Host": browser.base.netloc})
    redirect = plain.getresponse()
    expect(
        redirect.status == 301 and redirect.getheader("Location", "").startswith("https://"),
        "plain HTTP is redirected to HTTPS",
    )

    status, headers, page = browser.request("GET", "/sign-in/")
    expect(status == 200 and "Sign in" in page, "the sign-in page answers")
    expect("max-age=" in headers.get("strict-transport-security", ""), "HSTS is sent")
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    expect(csrf is not None, "the sign-in form carries a CSRF token")
    form = urllib.parse.urlencode(
        {"username": email, "password": password, "csrfmiddlewaretoken": csrf.group(1)}  # type: ignore[union-attr]
    )
    status, headers, _ = browser.request(
        "POST", "/sign-in/", form,
        {"Content-Type": "application/x-www-form-urlencoded", "Origin": origin,
         "Referer": origin + "/sign-in/"},
    )  # fmt: skip
    expect(status == 302, "signing in redirects")
    status, _, page = browser.request("GET", "/")
    expect(status == 200 and "My week" in page, "my week is served to the signed-in person")

    css = re.search(r'href="(/static/[^"]+\.css)"', page)
    expect(css is not None, "the page links its stylesheet")
    status, headers, _ = Browser(base).request("GET", css.group(1))  # type: ignore[union-attr]
    expect(status == 200 and "max-age" in headers.get("cache-control", ""), "static files served")

    api = Browser(base)
    auth = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    status, _, body = api.request("GET", "/api/v1/me/", "", auth)
    me = json.loads(body)
    expect(status == 200 and me["email"] == email, "the API knows the token's person")
    status, _, body = api.request("GET", f"/api/v1/key-results/?owner={me['id']}", "", auth)
    key_results = json.loads(body)["results"]
    expect(status == 200 and bool(key_results), "the person's key results are listed")
    check_in = json.dumps({"key_result": key_results[0]["id"], "confidence": 6, "note": "smoke"})
    status, _, body = api.request("POST", "/api/v1/check-ins/", check_in, auth)
    expect(status == 201, f"a check-in is one POST (got {status}: {body[:200]})")
    status, _, body = api.request("GET", "/api/v1/nowhere/", "", auth)
    expect(status == 404 and json.loads(body)["message"], "unknown API addresses answer JSON")
    print("deploy smoke test passed")


if __name__ == "__main__":
    main(*sys.argv[1:5])
