"""Uploads an export run's folder to ``s3://bucket/prefix/<run>/``: the data files first and the
manifest last, so a manifest in the bucket means the run is complete; a run whose manifest is
already there is never overwritten. Credentials, region and endpoint (``AWS_ENDPOINT_URL`` for an
S3-compatible store) come from boto3's own configuration chain, never from a message of ours."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import attrs

MANIFEST = "manifest.json"


class S3Error(Exception):
    """The destination is malformed, unreachable or refuses; the message names the bucket and key."""


@attrs.frozen
class S3Location:
    bucket: str
    prefix: str

    @classmethod
    def parse(cls, url: str) -> S3Location:
        if not url.startswith("s3://"):
            raise S3Error(f"{url}: an S3 destination looks like s3://bucket/prefix")
        bucket, _, prefix = url.removeprefix("s3://").partition("/")
        if not bucket:
            raise S3Error(f"{url}: no bucket named (s3://bucket/prefix)")
        return cls(bucket, prefix.strip("/"))

    def key(self, *parts: str) -> str:
        return "/".join(p for p in (self.prefix, *parts) if p)


def upload_run(folder: Path, location: S3Location, client: Any = None) -> list[str]:
    """The keys written, manifest last. S3Error when the run exists there already or a call fails."""
    import boto3
    from boto3.exceptions import Boto3Error
    from botocore.exceptions import BotoCoreError, ClientError

    s3 = client or boto3.client("s3")
    run = folder.name
    manifest_key = location.key(run, MANIFEST)
    try:
        if _exists(s3, location.bucket, manifest_key):
            raise S3Error(f"s3://{location.bucket}/{manifest_key} exists: that run was exported already")
        keys = []
        for path in [*sorted(p for p in folder.iterdir() if p.name != MANIFEST), folder / MANIFEST]:
            key = location.key(run, path.name)
            s3.upload_file(str(path), location.bucket, key)
            keys.append(key)
        return keys
    except (BotoCoreError, ClientError, Boto3Error) as exc:  # Boto3Error: a failed upload_file
        raise S3Error(f"s3://{location.bucket}/{location.key(run)}: {_describe(exc)}") from None


def _exists(s3: Any, bucket: str, key: str) -> bool:
    from botocore.exceptions import ClientError

    try:
        s3.head_object(Bucket=bucket, Key=key)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
            return False
        raise
    return True


def _describe(exc: Exception) -> str:
    response = getattr(exc, "response", None) or {}
    error = response.get("Error", {})
    if error:
        return f"{error.get('Code', type(exc).__name__)}: {error.get('Message', '')}".strip()
    return type(exc).__name__ + (f": {exc}" if str(exc) else "")
