"""Validation of uploaded images (logos, profile photos), stored as bytes in the database."""

import io
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from PIL import Image, UnidentifiedImageError

ALLOWED_FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg", "GIF": "image/gif", "WEBP": "image/webp"}
MAX_PIXELS = 4000


@dataclass(frozen=True)
class CheckedImage:
    data: bytes
    content_type: str


def check_image(upload: UploadedFile) -> CheckedImage:
    """Accept a PNG, JPEG, GIF or WebP no larger than MAX_IMAGE_BYTES and 4000×4000 pixels.

    SVG is refused on purpose: it can carry script."""
    limit = settings.MAX_IMAGE_BYTES
    if upload.size is not None and upload.size > limit:
        raise ValidationError(f"The image is too large: the limit is {limit // 1024} KB.")
    data = upload.read()
    if len(data) > limit:
        raise ValidationError(f"The image is too large: the limit is {limit // 1024} KB.")
    try:
        with Image.open(io.BytesIO(data)) as img:
            img.verify()
            fmt = img.format or ""
            width, height = img.size
    except (UnidentifiedImageError, OSError, SyntaxError) as exc:
        raise ValidationError("This file is not an image we can read (use PNG, JPEG, GIF or WebP).") from exc
    if fmt not in ALLOWED_FORMATS:
        raise ValidationError("Use a PNG, JPEG, GIF or WebP image.")
    if width > MAX_PIXELS or height > MAX_PIXELS:
        raise ValidationError(
            f"The image is {width}×{height} pixels; the limit is {MAX_PIXELS}×{MAX_PIXELS}."
        )
    return CheckedImage(data=data, content_type=ALLOWED_FORMATS[fmt])
