"""What an uploaded document really is, read from its first bytes (never from its name or the
browser's claim), and the size limit."""

from __future__ import annotations

import io
import zipfile

PDF, PNG, JPEG, DOCX = (
    "application/pdf",
    "image/png",
    "image/jpeg",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
)
ALLOWED = (PDF, PNG, JPEG, DOCX)


def picture_too_large(data: bytes, max_pixels: int) -> bool:
    """True when a PNG or JPEG declares more than ``max_pixels`` pixels or its header cannot be
    read: a "decompression bomb" (a tiny file that would take gigabytes to show) is refused from
    its header, without decoding it."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError, SyntaxError):
        return True
    return width * height > max_pixels or width < 1 or height < 1


def sniff(head: bytes, data_for_zip=None) -> str | None:
    """The content type of a PDF, PNG, JPEG or Word (.docx) file; None for anything else."""
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"PK\x03\x04") and data_for_zip is not None:
        try:
            with zipfile.ZipFile(io.BytesIO(data_for_zip)) as archive:
                names = set(archive.namelist())
        except zipfile.BadZipFile:
            return None
        if "word/document.xml" in names and "[Content_Types].xml" in names:
            return DOCX
    return None
