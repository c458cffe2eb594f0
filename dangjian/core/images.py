"""Uploaded photos: the type is sniffed from the content (never the name or the browser's word),
size and pixel count are bounded before decoding, and the picture is re-encoded as a plain JPEG,
which drops EXIF (GPS position, camera serial numbers) and anything hidden after the image data."""

from __future__ import annotations

import io
from dataclasses import dataclass

from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from .errors import DomainError

MAX_BYTES = 8 * 1024 * 1024
MAX_PIXELS = 40_000_000  # a 48-megapixel phone camera is 8000 × 6000 = 48M: refuse above 40M decoded
MAX_SIDE = 1600  # stored pictures are shrunk to this longest side: enough on a phone, small to send
ACCEPTED = {"JPEG", "PNG", "WEBP"}
_MAGIC = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"RIFF")


@dataclass(frozen=True)
class CleanPhoto:
    content: bytes
    width: int
    height: int
    had_location: bool


def _refuse(message) -> DomainError:
    return DomainError(message, code="invalid_photo", field="photo")


def clean_photo(upload, *, max_bytes: int = MAX_BYTES) -> CleanPhoto:
    """Check and re-encode an uploaded photo; raises DomainError (field ``photo``) on bad input."""
    size = getattr(upload, "size", None)
    if size is not None and size > max_bytes:
        raise _refuse(_("The photo is larger than %(n)s MB.") % {"n": max_bytes // (1024 * 1024)})
    data = upload.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise _refuse(_("The photo is larger than %(n)s MB.") % {"n": max_bytes // (1024 * 1024)})
    if not data.startswith(_MAGIC) or (data.startswith(b"RIFF") and data[8:12] != b"WEBP"):
        raise _refuse(_("This file is not a photo (JPEG, PNG or WebP)."))
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format not in ACCEPTED:
                raise _refuse(_("This file is not a photo (JPEG, PNG or WebP)."))
            width, height = image.size
            if width * height > MAX_PIXELS or width < 1 or height < 1:
                raise _refuse(_("The photo has too many pixels."))
            try:
                exif = image.getexif()
                had_location = bool(exif.get_ifd(0x8825)) if exif else False
                image = ImageOps.exif_transpose(image)
            except Exception:  # a malformed or oversized EXIF block: ignore it, it is dropped anyway
                had_location = True
            image.load()
            image = image.convert("RGB")
            image.thumbnail((MAX_SIDE, MAX_SIDE))
            out = io.BytesIO()
            image.save(out, format="JPEG", quality=82, optimize=True)
    except DomainError:
        raise
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError, SyntaxError):
        raise _refuse(_("The photo could not be read. Take it again or choose another.")) from None
    return CleanPhoto(out.getvalue(), image.width, image.height, had_location)
