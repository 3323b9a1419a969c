"""A demo's page: one self-contained index.html (its CSS and JS inlined) whose
Content-Security-Policy lets it call its selected APIs and nothing else.

Why a `<meta http-equiv>` and not a header: the page is served by S3 through a presigned
GET, and S3 answers with the headers stored on the object, none of which can be a CSP
(an object carries Content-Type, Cache-Control and the like, and `x-amz-meta-*`, never
`Content-Security-Policy`); putting CloudFront in front of a presigned URL just to add a
header would be a distribution per stack for a demo. A CSP delivered by a meta element
is enforced for everything after it, so it comes first in `<head>` (after the charset),
before any code. What a meta CSP cannot carry (`frame-ancestors`, `sandbox`, `report-uri`) is left
out; see docs/architecture.md.

The policy:
    default-src 'none'                  nothing loads unless named below
    script-src 'sha256-<the js>'        the one inlined script, no other, no handlers
    style-src 'unsafe-inline'           the inlined CSS (style attributes too)
    connect-src <api> <api>/openapi.json ...   fetch/XHR to the selected APIs alone
    frame-src 'none'  form-action 'none'  base-uri 'none'

What the team wrote or the model generated is code and goes in as code (the CSP bounds
what it can reach); everything else that lands in the HTML (the name, the description)
is escaped, and the script and style text cannot close their elements early.
"""

from __future__ import annotations

import base64
import hashlib
import html
import re
from collections.abc import Sequence

from shared.demos.domain import GeneratedCode

# An absolute http(s) URL with nothing a CSP source list would read as a separator
# (white space, `;`, `,`) or a wildcard: what a selected API's URL must look like.
_CSP_URL = re.compile(r"https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/[A-Za-z0-9._~/-]*)?")
_CLOSE_SCRIPT = re.compile(r"</(script)", re.IGNORECASE)
_CLOSE_STYLE = re.compile(r"</(style)", re.IGNORECASE)


class UnsafeUrl(ValueError):
    """A URL that cannot be written into a CSP source list as it is."""


def csp_source(url: str) -> str:
    if _CSP_URL.fullmatch(url) is None:
        raise UnsafeUrl(f"not an http(s) URL a content security policy can name: {url!r}")
    return url


def script_text(js: str) -> str:
    """The JS as the page holds it: `</script` cannot end the element early (`<\\/` reads
    the same inside a JS string or regular expression, which is where it can appear)."""
    return _CLOSE_SCRIPT.sub(r"<\\/\1", js.replace("<!--", "<\\!--"))


def style_text(css: str) -> str:
    return _CLOSE_STYLE.sub(r"<\\/\1", css)


def content_security_policy(api_urls: Sequence[str], script: str) -> str:
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    connect = " ".join(
        source for url in api_urls for source in (csp_source(url), f"{url}/openapi.json")
    )
    return "; ".join(
        (
            "default-src 'none'",
            f"script-src 'sha256-{digest}'",
            "style-src 'unsafe-inline'",
            f"connect-src {connect}" if connect else "connect-src 'none'",
            "frame-src 'none'",
            "form-action 'none'",
            "base-uri 'none'",
        )
    )


def render_page(
    *, name: str, description: str, code: GeneratedCode, api_urls: Sequence[str]
) -> str:
    """The whole index.html."""
    script = script_text(code.js)
    policy = content_security_policy(api_urls, script)
    return "\n".join(
        (
            "<!DOCTYPE html>",
            '<html lang="en">',
            "<head>",
            # The charset first (browsers look for it in the first 1024 bytes), then the
            # policy, before anything that could load or run.
            '<meta charset="utf-8">',
            f'<meta http-equiv="Content-Security-Policy" content="{html.escape(policy)}">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            '<meta name="referrer" content="no-referrer">',
            f"<title>{html.escape(name)}</title>",
            f'<meta name="description" content="{html.escape(description)}">',
            f"<style>{style_text(code.css)}</style>",
            "</head>",
            "<body>",
            code.html,
            f"<script>{script}</script>",
            "</body>",
            "</html>",
            "",
        )
    )
