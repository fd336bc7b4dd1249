"""Reading the forms of the desk and the message links: url-encoded, or multipart where a
file is uploaded (a rule file on /backtest). The body is read with a size and time limit
before it is parsed (warning/web/body.py), so an oversized POST is refused, never buffered."""

from __future__ import annotations

from collections.abc import AsyncIterator
from urllib.parse import parse_qs

from fastapi import Request
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartParser

from warning.web.body import Refused, read_body

MAX_FORM_BYTES = 16 * 1024  # sign-in, ack, verdict, note, silence
MAX_FIELDS = 20
FORM_SECONDS = 30.0
FILENAME = ".filename"  # an uploaded file's name is the field `<field>.filename`

Form = dict[str, str]


async def read_form(request: Request, max_bytes: int = MAX_FORM_BYTES) -> Form:
    """The first value of each field; an uploaded file's content as UTF-8 text under its
    field's name and its file name under `<field>.filename`. Refused (413, 408, 422) when
    too big, too slow or not text."""
    body = await read_body(request, max_bytes, FORM_SECONDS)
    media = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if media != "multipart/form-data":
        fields = parse_qs(body.decode("utf-8", "replace"), max_num_fields=MAX_FIELDS)
        return {name: values[0] for name, values in fields.items()}
    parser = MultiPartParser(
        request.headers, _once(body), max_files=1, max_fields=MAX_FIELDS, max_part_size=max_bytes
    )
    try:
        parsed = await parser.parse()
    except Exception as exc:  # by design: any malformed multipart body is the client's
        raise Refused(422, f"the form could not be read: {str(exc)[:100]}") from None
    form: Form = {}
    for name, value in parsed.multi_items():
        if name in form:
            continue
        if isinstance(value, UploadFile):
            form[name] = await _text(value, name)
            form[name + FILENAME] = value.filename or ""
        else:
            form[name] = value
    return form


async def _once(body: bytes) -> AsyncIterator[bytes]:
    yield body


async def _text(upload: UploadFile, field: str) -> str:
    content = await upload.read()
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise Refused(422, f"{field}: the file is not UTF-8 text (byte {exc.start})") from None
