"""Small HTML pages for what a mailed link opens (a form, a button, an outcome), so that a
person with nothing but a mail client and a browser can finish what the mail is about."""

from html import escape

from fastapi.responses import HTMLResponse

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} · HobbyMatch</title></head>
<body style="font-family: sans-serif; max-width: 32em; margin: 3em auto; padding: 0 1em">
<h1>{title}</h1>
{body}
</body></html>
"""


def html_page(title: str, body: str, *, status_code: int = 200) -> HTMLResponse:
    """A page headed ``title`` (plain text) around ``body`` (HTML: escape what you put in it).

    It sends no ``Referer`` on: a mailed link's URL holds a token, which no link or form on
    the page may pass to another site.
    """
    return HTMLResponse(
        _PAGE.format(title=escape(title), body=body),
        status_code=status_code,
        headers={"Referrer-Policy": "no-referrer"},
    )
